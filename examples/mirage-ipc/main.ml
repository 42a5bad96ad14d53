(* An OCaml unikernel serving calls on an seL4 endpoint to a C client in
   the same system, while its other Lwt threads keep running timers. *)
open Lwt.Infix
open Mirage_sel4

external start_client : int -> unit = "mirage_ipc_start_client"

let () =
  let ep = Ipc.create () in
  let finished, finish = Lwt.wait () in
  let served = ref 0 in
  let server =
    Ipc.serve ep (fun req ->
        if req.Ipc.label = 99L then (
          Lwt.wakeup_later finish ();
          Lwt.return (0L, [||]))
        else begin
          incr served;
          (* Answer after a short Lwt sleep: the loop keeps serving timers. *)
          Time.sleep_ns 10_000_000L >|= fun () ->
          let sum = Array.fold_left Int64.add 0L req.Ipc.regs in
          Printf.printf "server: request %d from badge %Ld, label %Ld -> sum %Ld\n%!" !served
            req.Ipc.badge req.Ipc.label sum;
          (0L, [| sum |])
        end)
  in
  let ticks = ref 0 in
  let rec ticker () =
    Time.sleep_ns 100_000_000L >>= fun () ->
    incr ticks;
    Printf.printf "tick %d\n%!" !ticks;
    ticker ()
  in
  start_client (Ipc.mint ep ~badge:7);
  Main.run (Lwt.pick [ finished; server; ticker () ]);
  Printf.printf "mirage-ipc: served %d calls, %d ticks meanwhile\n" !served !ticks
