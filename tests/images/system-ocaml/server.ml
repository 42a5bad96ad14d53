(* The OCaml server of the `ocaml` test system: its protected procedure
   doubles the sum of a call's registers; a notification on channel 1
   wakes an Lwt promise, which signals back. *)
open Lwt.Infix
module S = Mirage_sel4.System

let rec echo n =
  S.wait 1 >>= fun () ->
  S.notify 1;
  Printf.printf "ocaml: notification %d on channel 1, echoed\n%!" n;
  echo (n + 1)

let () =
  Printf.printf "ocaml: started as %s (restart %Ld)\n%!" (S.name ()) (S.restarts ());
  S.serve (fun channel label regs ->
      let sum = Array.fold_left Int64.add 0L regs in
      Printf.printf "ocaml: call on channel %d, label %Ld, sum %Ld\n%!" channel label sum;
      (label, [| Int64.mul 2L sum |]));
  Mirage_sel4.Main.run (echo 1)
