(* What a native OCaml program relies on from its runtime, on seL4. *)
let rec depth n = if n = 0 then 0 else 1 + depth (n - 1)

let () =
  Printf.printf "argv: %s\n" (String.concat " | " (Array.to_list Sys.argv));
  Printf.printf "getenv GREETING: %s\n"
    (Option.value ~default:"(unset)" (Sys.getenv_opt "GREETING"));
  Printf.printf "getenv MISSING: %s\n"
    (Option.value ~default:"(unset)" (Sys.getenv_opt "MISSING"));
  (* Deep recursion on the system stack (--stack-size 64M at build). *)
  Printf.printf "recursion: %d frames deep\n" (depth 1_000_000);
  (* The major heap grows past 128 MiB (on frames mapped as needed). *)
  let big = Array.init 24 (fun i -> Array.make 1_000_000 i) in
  Gc.full_major ();
  let heap_mib = (Gc.quick_stat ()).Gc.heap_words * 8 / (1 lsl 20) in
  Printf.printf "heap: %s MiB or more, %d arrays alive\n"
    (if heap_mib >= 180 then "180" else string_of_int heap_mib) (Array.length big);
  Random.self_init ();
  let r = Random.int 1_000_000 in
  Printf.printf "random: %s\n" (if r >= 0 && r < 1_000_000 then "in range" else "out of range");
  let t = Sys.time () in
  Printf.printf "Sys.time: %s\n" (if t > 0.0 then "positive" else "not positive");
  Printf.printf "files: %s\n"
    (match open_in "/etc/passwd" with
     | _ -> "opened"
     | exception Sys_error e -> "Sys_error " ^ e);
  at_exit (fun () -> print_endline "at_exit: ran");
  print_string "buffered output is flushed at exit";
  exit (int_of_string Sys.argv.(1))
