// classes: fields, constructor, methods modifying fields, this, reads
class Account {
  var owner: string
  var balance: int

  constructor (name: string, initial: int)
    ensures owner == name && balance == initial
  {
    owner := name;
    balance := initial;
  }

  method Deposit(amount: int)
    requires amount >= 0
    modifies this
    ensures balance == old(balance) + amount
  {
    balance := balance + amount;
  }

  method Withdraw(amount: int) returns (ok: bool)
    modifies this
  {
    if amount <= balance {
      this.balance := this.balance - amount;
      ok := true;
    } else {
      ok := false;
    }
  }

  function method Describe(): string
    reads this
  {
    owner + ":" + (if balance >= 0 then "ok" else "overdrawn")
  }
}

class Point {
  var x: int
  var y: int
  constructor (x: int, y: int) ensures this.x == x && this.y == y { this.x := x; this.y := y; }
  method Translate(dx: int, dy: int) modifies this { x := x + dx; y := y + dy; }
  function method ManhattanNorm(): int reads this { (if x < 0 then -x else x) + (if y < 0 then -y else y) }
}

method Main() {
  var acc := new Account("alice", 100);
  acc.Deposit(50);
  var ok1 := acc.Withdraw(120);
  var ok2 := acc.Withdraw(100);
  print acc.owner, " ", acc.balance, " ", ok1, " ", ok2, " ", acc.Describe(), "\n";
  var p := new Point(3, -4);
  print p.x, " ", p.y, " ", p.ManhattanNorm(), "\n";
  p.Translate(-10, 10);
  print p.x, " ", p.y, " ", p.ManhattanNorm(), "\n";
  p.x := 0;
  print p.x, " ", p.ManhattanNorm(), "\n";
}
