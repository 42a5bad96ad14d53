(* Concurrent Lwt threads on the seL4 main loop: sleeps, an mvar, a
   condition, the clocks, and a timeout that cancels a slow thread. *)
open Lwt.Infix
open Mirage_sel4

let ms n = Time.sleep_ns (Int64.mul (Int64.of_int n) 1_000_000L)
let log fmt = Printf.ksprintf (fun s -> print_endline s) fmt

(* A producer hands three values through an mvar to a consumer. *)
let mvar_demo () =
  let mv = Lwt_mvar.create_empty () in
  let producer =
    Lwt_list.iter_s (fun i -> ms 30 >>= fun () -> Lwt_mvar.put mv i) [ 1; 2; 3 ]
  in
  let consumer =
    let rec take acc = function
      | 0 -> Lwt.return (List.rev acc)
      | n -> Lwt_mvar.take mv >>= fun v -> take (v :: acc) (n - 1)
    in
    take [] 3
  in
  producer >>= fun () ->
  consumer >|= fun got ->
  log "mvar: consumer took %s" (String.concat "," (List.map string_of_int got))

(* Three waiters on one condition, woken by a broadcast. *)
let condition_demo () =
  let c = Lwt_condition.create () in
  let waiter i = Lwt_condition.wait c >|= fun v -> v + i in
  let ws = List.map waiter [ 1; 2; 3 ] in
  ms 50 >>= fun () ->
  Lwt_condition.broadcast c 10;
  Lwt.all ws >|= fun vs ->
  log "condition: broadcast woke %d waiters: %s" (List.length vs)
    (String.concat "," (List.map string_of_int vs))

(* Two sleepers of different lengths finish in order of their deadlines. *)
let order_demo () =
  let order = ref [] in
  let sleeper name n = ms n >|= fun () -> order := name :: !order in
  Lwt.join [ sleeper "slow" 200; sleeper "fast" 100; sleeper "medium" 150 ] >|= fun () ->
  log "sleepers woke in order: %s" (String.concat " " (List.rev !order))

(* A slow thread loses against a timeout and is cancelled. *)
let timeout_demo () =
  let slow_finished = ref false in
  let slow = ms 5000 >|= fun () -> slow_finished := true; `Done in
  let timeout = ms 300 >|= fun () -> `Timeout in
  Lwt.pick [ slow; timeout ] >>= fun r ->
  let state = match Lwt.state slow with Lwt.Fail Lwt.Canceled -> "cancelled" | _ -> "not cancelled" in
  log "timeout: %s, the slow thread was %s" (match r with `Timeout -> "fired" | `Done -> "did not fire") state;
  ms 100 >|= fun () -> log "slow thread finished: %b" !slow_finished

let () =
  let t0 = Mclock.elapsed_ns () in
  let d, ps = Pclock.now_d_ps () in
  let wall_s = Int64.add (Int64.mul (Int64.of_int d) 86400L) (Int64.div ps 1_000_000_000_000L) in
  log "wall clock: %Ld s since the epoch (day %d)" wall_s d;
  Main.run (Lwt.join [ mvar_demo (); condition_demo (); order_demo (); timeout_demo () ]);
  let elapsed = Int64.to_float (Int64.sub (Mclock.elapsed_ns ()) t0) /. 1e6 in
  log "monotonic clock: %.0f ms for all of it; main loop woke %d times" elapsed (Main.wakeups ())
