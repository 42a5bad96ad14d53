// enum-like datatypes: exhaustive match, ordinal conversion, cycling
datatype Day = Mon | Tue | Wed | Thu | Fri | Sat | Sun

function method IsWeekend(d: Day): bool {
  match d
  case Sat => true
  case Sun => true
  case Mon => false case Tue => false case Wed => false case Thu => false case Fri => false
}

function method Ord(d: Day): nat {
  match d
  case Mon => 0 case Tue => 1 case Wed => 2 case Thu => 3
  case Fri => 4 case Sat => 5 case Sun => 6
}

function method FromOrd(n: nat): Day
  requires n < 7
{
  if n == 0 then Mon else if n == 1 then Tue else if n == 2 then Wed
  else if n == 3 then Thu else if n == 4 then Fri else if n == 5 then Sat else Sun
}

function method Next(d: Day): Day { FromOrd((Ord(d) + 1) % 7) }

method Main() {
  var d := Mon;
  var i := 0;
  while i < 9
    invariant 0 <= i <= 9
  {
    print d, " ", Ord(d), " ", IsWeekend(d), "\n";
    d := Next(d);
    i := i + 1;
  }
  var m, t := Mon, Tue;
  print Sun == Next(Sat), " ", Mon == Next(Sun), " ", m.Mon?, " ", t.Mon?, " ", m != t, "\n";
  var weekend := set x | x in [Mon, Tue, Wed, Thu, Fri, Sat, Sun] && IsWeekend(x);
  print |weekend|, " ", Sat in weekend, "\n";
}
