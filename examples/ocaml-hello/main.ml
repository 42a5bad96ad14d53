(* OCaml on seL4: the standard library as on Linux, on the substrate's C layer. *)

exception Not_positive of int

(* Raises from a sub-call; the caller catches it. *)
let checked_sqrt x = if x < 0 then raise (Not_positive x) else sqrt (float_of_int x)

let () =
  Printf.printf "Hello from OCaml %s on seL4!\n" Sys.ocaml_version;
  Printf.printf "floats: pi = %.6f, e = %g, 1/3 = %.17g\n" (4.0 *. atan 1.0) (exp 1.0)
    (1.0 /. 3.0);

  let words = Hashtbl.create 16 in
  List.iter
    (fun w -> Hashtbl.replace words w (1 + Option.value ~default:0 (Hashtbl.find_opt words w)))
    [ "sel4"; "ocaml"; "sel4"; "rust"; "sel4"; "ocaml" ];
  let counts = Hashtbl.fold (fun w n acc -> (w, n) :: acc) words [] |> List.sort compare in
  let b = Buffer.create 64 in
  List.iter (fun (w, n) -> Printf.bprintf b "%s=%d " w n) counts;
  Printf.printf "hashtbl: %s\n" (String.trim (Buffer.contents b));

  List.iter
    (fun x ->
      match checked_sqrt x with
      | r -> Printf.printf "sqrt %d = %.3f\n" x r
      | exception Not_positive n -> Printf.printf "caught Not_positive %d from a sub-call\n" n)
    [ 2; -7 ];
  (match List.assoc "missing" [] with
  | _ -> ()
  | exception Not_found -> print_endline "caught Not_found from the standard library");

  (* Allocation-heavy: many short-lived lists, some kept, then a full major GC. *)
  let kept = ref [] in
  for i = 1 to 200_000 do
    let l = List.init 10 (fun j -> i + j) in
    if i mod 1000 = 0 then kept := l :: !kept
  done;
  Gc.full_major ();
  let s = Gc.stat () in
  Printf.printf "gc: %d minor collections, %d major collections, %d words kept live (%d lists)\n"
    s.Gc.minor_collections s.Gc.major_collections s.Gc.live_words (List.length !kept);
  Printf.printf "gc: heap %d words in %d chunks, %.0f words allocated in the minor heap\n"
    s.Gc.heap_words s.Gc.heap_chunks s.Gc.minor_words
