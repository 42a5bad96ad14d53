(* An uncaught exception: OCaml's own report, after the buffered output. *)
exception Boom of int

let () =
  print_string "before the exception";
  raise (Boom 42)
