(* journal (OCaml): notes the batches the C checksum server reports. Its
   Mirage-style main loop blocks for the component's events: the server's
   notification on channel 2 wakes an Lwt thread, and the server's calls
   are answered with the number of batches noted. *)
open Lwt.Infix
module S = Mirage_sel4.System

let batches = ref []

(* Notifications from the checksum server, counted by an Lwt thread that
   each one wakes; a call with the batch follows each. *)
let announced = ref 0

let rec announcements () =
  S.wait 2 >>= fun () ->
  incr announced;
  announcements ()

let () =
  Printf.printf "journal (OCaml): started as %s\n%!" (S.name ());
  S.serve (fun _channel label regs ->
      if label = 1L && Array.length regs = 3 then begin
        batches := (regs.(0), regs.(1), regs.(2)) :: !batches;
        let n = List.length !batches in
        Printf.printf
          "journal (OCaml): batch %d: %Ld buffers, %Ld bytes, checksum 0x%Lx (announced %d)\n%!" n
          regs.(0) regs.(1) regs.(2) !announced;
        if n = 4 then Printf.printf "journal (OCaml): 4 batches noted\n%!";
        (1L, [| Int64.of_int n |])
      end
      else (0L, [||]));
  Mirage_sel4.Main.run (announcements ())
