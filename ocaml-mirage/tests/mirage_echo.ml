(* Console input through the Mirage-style loop: a read waits (a C thread
   blocks on COM1's interrupt) while a ticker keeps running. *)
open Lwt.Infix
open Mirage_sel4

let () =
  let ticks = ref 0 in
  (* The prompt comes at the third tick, while the read below already
     waits: the runner types the line only then. *)
  let rec ticker () =
    Time.sleep_ns 50_000_000L >>= fun () ->
    incr ticks;
    if !ticks = 3 then print_endline "mirage-echo: type a line";
    ticker ()
  in
  let echo =
    Console.connect "console" >>= fun c ->
    let rec read_line acc =
      Console.read c >>= function
      | Ok (`Data buf) ->
          let acc = acc ^ Cstruct.to_string buf in
          if String.contains acc '\n' || String.contains acc '\r' then Lwt.return acc
          else read_line acc
      | Ok `Eof | Error _ -> Lwt.return acc
    in
    read_line "" >>= fun line ->
    Console.write c (Cstruct.of_string ("mirage-echo: got " ^ String.trim line ^ "\n")) >|= fun _ -> ()
  in
  Main.run (Lwt.pick [ echo; ticker () ]);
  Printf.printf "mirage-echo: the ticker ticked %s times while the read waited\n"
    (if !ticks >= 3 then "3 or more" else string_of_int !ticks)
