(* ocaml: Time.sleep_ns in a component: the main loop sets the
   component's alarm for the earliest sleeper and blocks for its events. *)
open Lwt.Infix

let () =
  let t0 = Mirage_sel4.Mclock.elapsed_ns () in
  Mirage_sel4.Main.run
    ( Mirage_sel4.Time.sleep_ns 10_000_000L >|= fun () ->
      let ms = Int64.div (Int64.sub (Mirage_sel4.Mclock.elapsed_ns ()) t0) 1_000_000L in
      if ms < 10L then (print_endline "ocaml: FAILED: the sleep ended early"; exit 1);
      Printf.printf "ocaml: Time.sleep_ns 10 ms took %Ld ms\n%!" ms )
