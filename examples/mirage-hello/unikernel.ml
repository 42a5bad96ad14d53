(* The classic MirageOS tutorial unikernel: four greetings, one second apart. *)
open Lwt.Infix

module Hello (Time : Mirage_sel4.TIME) (C : Mirage_sel4.CONSOLE) = struct
  let start console =
    let rec loop = function
      | 0 -> Lwt.return_unit
      | n ->
          C.write console (Cstruct.of_string "hello from a unikernel on seL4\n") >>= fun _ ->
          Logs.info (fun f -> f "greeting %d of 4" (5 - n));
          Time.sleep_ns (Duration.of_sec 1) >>= fun () -> loop (n - 1)
    in
    loop 4
end
