(* A Debian library with C stubs (cstruct, built with -fstack-protector-strong). *)
let () =
  let c = Cstruct.create 16 in
  Cstruct.LE.set_uint32 c 0 0xdeadbeefl;
  Cstruct.blit_from_string "seL4!" 0 c 4 5;
  let d = Cstruct.create 16 in
  Cstruct.blit c 0 d 0 16;
  Printf.printf "cstruct: %lx %s, copies equal: %b\n" (Cstruct.LE.get_uint32 d 0)
    (Cstruct.to_string ~off:4 ~len:5 d) (Cstruct.equal c d)
