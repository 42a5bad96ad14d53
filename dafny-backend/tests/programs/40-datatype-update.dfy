// datatype update d.(f := v), multiple constructors, structural equality
datatype Person = Person(name: string, age: int, email: string)
datatype Shape = Circle(r: int) | Rect(w: int, h: int)

function method Birthday(p: Person): Person { p.(age := p.age + 1) }

function method Scale(s: Shape, k: int): Shape {
  match s
  case Circle(r) => s.(r := r * k)
  case Rect(w, h) => s.(w := w * k, h := h * k)
}

method Main() {
  var p := Person("ann", 41, "ann@example.org");
  var q := Birthday(p);
  print p, "\n";
  print q, "\n";
  print p == q, " ", q.(age := 41) == p, " ", q.age, "\n";
  var r := p.(name := "bob", email := "bob@example.org");
  print r.name, " ", r.age, " ", r.email, "\n";
  var shapes := [Circle(2), Rect(3, 4)];
  print Scale(shapes[0], 3), " ", Scale(shapes[1], 2), "\n";
  print Circle(1) == Circle(1), " ", Circle(1) == Circle(2), " ", Rect(1, 2) == Rect(1, 2), "\n";
  print shapes[1].Rect?, " ", shapes[1].w, " ", shapes[0].Circle?, "\n";
}
