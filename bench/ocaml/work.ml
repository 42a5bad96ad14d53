(* Two OCaml workloads, run for N iterations: `work alloc N` and
   `work hashtbl N`. The same source is built for seL4 and for Linux by
   bench/ocaml/run.py, which counts the instructions of each. Prints the
   nanoseconds the loop took (under QEMU -icount shift=0: instructions)
   and a checksum, so the work cannot be optimised away. *)

external now_ns : unit -> int64 = "bench_now_ns"

(* Minor-heap allocation: a fresh three-field block per iteration, one in
   64 kept until the next, so the minor GC also promotes. *)
let alloc n =
  let keep = ref [] and sum = ref 0 in
  for i = 1 to n do
    let b = Sys.opaque_identity (i, i + 1, i + 2) in
    let x, _, _ = b in
    sum := !sum + x;
    if i land 63 = 0 then keep := [ b ]
  done;
  !sum + List.length !keep

(* Hashtbl: a replace and a lookup per iteration in a table of 4096 integer keys. *)
let hashtbl n =
  let h = Hashtbl.create 4096 in
  let sum = ref 0 in
  for i = 1 to n do
    Hashtbl.replace h (i land 4095) i;
    match Hashtbl.find_opt h ((i * 7) land 4095) with Some v -> sum := !sum + v | None -> ()
  done;
  !sum

let () =
  let work = match Sys.argv.(1) with "alloc" -> alloc | "hashtbl" -> hashtbl | w -> failwith w in
  let n = int_of_string Sys.argv.(2) in
  let t0 = now_ns () in
  let r = work n in
  let t1 = now_ns () in
  Printf.printf "bench %s %d: %Ld ns, checksum %d\n" Sys.argv.(1) n (Int64.sub t1 t0) r
