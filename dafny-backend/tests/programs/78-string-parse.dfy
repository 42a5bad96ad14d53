// parsing strings: digits to ints (incl. big and negative), CSV fields, validation
datatype Result = Ok(v: int) | Err(msg: string)

function method DigitVal(c: char): int { c as int - '0' as int }

function method ParseNat(s: string, acc: nat): Result decreases |s| {
  if |s| == 0 then Ok(acc)
  else if '0' <= s[0] <= '9' then ParseNat(s[1..], acc * 10 + DigitVal(s[0]))
  else Err("bad digit " + [s[0]])
}

function method ParseInt(s: string): Result {
  if |s| == 0 then Err("empty")
  else if s[0] == '-' then
    if |s| == 1 then Err("lonely minus")
    else match ParseNat(s[1..], 0)
      case Ok(v) => Ok(-v)
      case Err(m) => Err(m)
  else ParseNat(s, 0)
}

function method Fields(s: string, cur: string): seq<string> decreases |s| {
  if |s| == 0 then [cur]
  else if s[0] == ',' then [cur] + Fields(s[1..], "")
  else Fields(s[1..], cur + [s[0]])
}

method Main() {
  var inputs := ["0", "42", "-17", "123456789012345678901234567890", "12a", "", "-", "007"];
  var i := 0;
  while i < |inputs|
    invariant 0 <= i <= |inputs|
  {
    print "\"", inputs[i], "\" => ", ParseInt(inputs[i]), "\n";
    i := i + 1;
  }
  var row := "10,-20,x,,30";
  var fs := Fields(row, "");
  print fs, " ", |fs|, "\n";
  var sum := 0;
  var errs := 0;
  i := 0;
  while i < |fs|
    invariant 0 <= i <= |fs|
  {
    match ParseInt(fs[i]) {
      case Ok(v) => sum := sum + v;
      case Err(_) => errs := errs + 1;
    }
    i := i + 1;
  }
  print "sum ", sum, " errors ", errs, "\n";
}
