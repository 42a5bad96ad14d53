(* Idle means blocked: ten sleeps of one second. Under QEMU -icount with
   sleep=off the guest's clock jumps over the time it idles, so the boot
   takes far less than 10 s of host time only if the main loop blocks. *)
open Lwt.Infix
open Mirage_sel4

let () =
  let t0 = Mclock.elapsed_ns () in
  let rec sleeps = function
    | 0 -> Lwt.return_unit
    | n -> Time.sleep_ns 1_000_000_000L >>= fun () -> sleeps (n - 1)
  in
  Main.run (sleeps 10);
  let guest = Int64.to_float (Int64.sub (Mclock.elapsed_ns ()) t0) /. 1e9 in
  Printf.printf "mirage-idle: 10 sleeps of 1 s took %.3f s of guest time; the main loop woke %d times\n"
    guest (Main.wakeups ())
