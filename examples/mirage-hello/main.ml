(* What `mirage configure` would generate: the devices, then the main loop. *)
open Mirage_sel4
module U = Unikernel.Hello (Time) (Console)

let () =
  Logs_reporter.set ();
  let t0 = Mclock.elapsed_ns () in
  Main.run Lwt.Infix.(Console.connect "console" >>= U.start);
  let secs = Int64.to_float (Int64.sub (Mclock.elapsed_ns ()) t0) /. 1e9 in
  Printf.printf "mirage-hello: done after %.3f s of guest time, main loop woke %d times\n" secs
    (Main.wakeups ())
