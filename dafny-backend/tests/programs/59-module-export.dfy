// module export sets: provides/reveals, opaque type use through exported functions
module Stack {
  export provides T, Empty, Push, Size, Top, IsEmpty
  export Full reveals T provides Empty, Push, Size, Top, IsEmpty

  datatype T = Nil | Cons(head: int, tail: T)
  function method Empty(): T { Nil }
  function method Push(s: T, x: int): T { Cons(x, s) }
  function method Size(s: T): nat { if s.Nil? then 0 else 1 + Size(s.tail) }
  function method IsEmpty(s: T): bool { s.Nil? }
  function method Top(s: T, default: int): int { if s.Cons? then s.head else default }
}

module Client {
  import Stack
  method Run() {
    var s := Stack.Empty();
    s := Stack.Push(s, 1);
    s := Stack.Push(s, 2);
    s := Stack.Push(s, 3);
    print Stack.Size(s), " ", Stack.Top(s, -1), " ", Stack.IsEmpty(s), " ", Stack.IsEmpty(Stack.Empty()), "\n";
  }
}

module FullClient {
  import S = Stack`Full
  method Run() {
    var s := S.Push(S.Push(S.Empty(), 10), 20);
    match s {
      case Nil => print "empty\n";
      case Cons(h, t) => print "head ", h, " size ", S.Size(t), "\n";
    }
  }
}


method Main() {
  Client.Run();
  FullClient.Run();
}
