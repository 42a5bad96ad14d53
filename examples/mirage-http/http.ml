(* mirage-http: an HTTP/1.1 unikernel. Debian's cohttp-lwt parses the
   requests and writes the answers over mirage-sel4's Net.Tcp flow (the
   substrate's TCP/IP stack in this component, on the driver component's
   frame queues); [/] shows the kernel's BootInfo figures, [/hello.txt] is
   a static page, [/blob] 64 KiB of bytes [i mod 251]. *)
open Lwt.Infix
module S = Mirage_sel4
module Tcp = S.Net.Tcp

(* A buffered channel over a flow: what cohttp-lwt reads and writes. *)
module IO = struct
  type 'a t = 'a Lwt.t

  let ( >>= ) = Lwt.bind
  let return = Lwt.return

  type ic = { flow : Tcp.flow; mutable buf : string; mutable pos : int; mutable eof : bool }
  type oc = { out_flow : Tcp.flow; out : Buffer.t }
  type conn = Tcp.flow
  type error = [ `Reset | `Closed ]

  exception Io_error of error

  let pp_error ppf = function
    | `Reset -> Fmt.string ppf "connection reset"
    | `Closed -> Fmt.string ppf "connection closed"

  let catch f =
    Lwt.catch (fun () -> f () >|= Result.ok) (function
      | Io_error e -> Lwt.return (Error e)
      | e -> Lwt.fail e)

  let channels flow =
    ({ flow; buf = ""; pos = 0; eof = false }, { out_flow = flow; out = Buffer.create 1024 })

  (* More bytes into the buffer; false at the end of the stream. *)
  let refill ic =
    if ic.eof then Lwt.return false
    else
      Tcp.read ic.flow >|= function
      | Ok (`Data c) ->
          ic.buf <- String.sub ic.buf ic.pos (String.length ic.buf - ic.pos) ^ Cstruct.to_string c;
          ic.pos <- 0;
          true
      | Ok `Eof | Error `Reset ->
          ic.eof <- true;
          false

  let available ic = String.length ic.buf - ic.pos

  let take ic n =
    let s = String.sub ic.buf ic.pos n in
    ic.pos <- ic.pos + n;
    s

  let rec read_line ic =
    match String.index_from_opt ic.buf ic.pos '\n' with
    | Some i ->
        let line = take ic (i - ic.pos) in
        ic.pos <- ic.pos + 1;
        let n = String.length line in
        return (Some (if n > 0 && line.[n - 1] = '\r' then String.sub line 0 (n - 1) else line))
    | None -> (
        refill ic >>= function
        | true -> read_line ic
        | false -> return (if available ic > 0 then Some (take ic (available ic)) else None))

  let read ic n =
    if available ic > 0 then return (take ic (min n (available ic)))
    else refill ic >|= fun more -> if more then take ic (min n (available ic)) else ""

  let write oc s =
    Buffer.add_string oc.out s;
    return ()

  let flush oc =
    let s = Buffer.contents oc.out in
    Buffer.clear oc.out;
    if s = "" then return ()
    else
      Tcp.write oc.out_flow (Cstruct.of_string s) >>= function
      | Ok () -> return ()
      | Error e -> Lwt.fail (Io_error e)
end

module Server = Cohttp_lwt.Make_server (IO)
module Request_io = Cohttp.Request.Make (IO)
module Response_io = Cohttp.Response.Make (IO)

let hello =
  "Hello from an OCaml unikernel on seL4.\n\n\
   cohttp-lwt answered; the bytes went through mirage-sel4's Net.Tcp, the\n\
   substrate's smoltcp stack, the virtio-net driver component's shared rings\n\
   and QEMU's user network.\n"

(* /blob: 64 KiB of bytes i mod 251 (for throughput measurements). *)
let blob = String.init 65536 (fun i -> Char.chr (i mod 251))

let requests = ref 0

let index () =
  let rows =
    List.map
      (fun (name, v) -> Printf.sprintf "<tr><td>%s</td><td>%Ld</td></tr>\n" name v)
      (S.System.boot_info ())
  in
  String.concat ""
    ([ "<!DOCTYPE html>\n<html><head><title>seL4</title></head><body>\n";
       "<h1>Hello from an OCaml unikernel on seL4</h1>\n";
       Printf.sprintf "<p>kernel: seL4 %s</p>\n" (S.System.kernel_version ());
       "<h2>BootInfo</h2>\n<table>\n" ]
    @ rows
    @ [ "</table>\n";
        Printf.sprintf
          "<p>up %Ld ms, %d requests answered, woken %d times; also <a \
           href=\"/hello.txt\">/hello.txt</a></p>\n"
          (Int64.div (S.Mclock.elapsed_ns ()) 1_000_000L)
          !requests (S.Main.wakeups ());
        "</body></html>\n" ])

let site req =
  incr requests;
  let html = Cohttp.Header.init_with "content-type" "text/html; charset=utf-8" in
  let text = Cohttp.Header.init_with "content-type" "text/plain; charset=utf-8" in
  match (Cohttp.Request.meth req, Uri.path (Cohttp.Request.uri req)) with
  | (`GET | `HEAD), ("/" | "/index.html") ->
      Server.respond_string ~headers:html ~status:`OK ~body:(index ()) ()
  | (`GET | `HEAD), "/hello.txt" -> Server.respond_string ~headers:text ~status:`OK ~body:hello ()
  | (`GET | `HEAD), "/blob" ->
      let octets = Cohttp.Header.init_with "content-type" "application/octet-stream" in
      Server.respond_string ~headers:octets ~status:`OK ~body:blob ()
  | (`GET | `HEAD), _ -> Server.respond_string ~headers:text ~status:`Not_found ~body:"404 Not Found\n" ()
  | _ -> Server.respond_string ~headers:text ~status:`Method_not_allowed ~body:"405\n" ()

(* An answer (its head only, for HEAD), written out. *)
let respond ?(head_only = false) oc (res, body) =
  (if head_only then Response_io.write_header res oc
   else
     Response_io.write
       (fun writer -> Cohttp_lwt.Body.write_body (Response_io.write_body writer) body)
       res oc)
  >>= fun () -> IO.flush oc

(* A connection's requests, in order (cohttp-lwt's Request and Response
   over the channel). A request that does not parse gets 400 and the
   connection is closed: cohttp-lwt 4.0's own server loop would close it
   without an answer. *)
(* Reads and drops a request's body. *)
let drain_body ic req =
  match Request_io.has_body req with
  | `No | `Unknown -> Lwt.return_unit
  | `Yes ->
      let reader = Request_io.make_body_reader req ic in
      let rec go () =
        Request_io.read_body_chunk reader >>= function
        | Cohttp.Transfer.Chunk _ -> go ()
        | Cohttp.Transfer.Final_chunk _ | Cohttp.Transfer.Done -> Lwt.return_unit
      in
      go ()

let rec serve ic oc =
  Request_io.read ic >>= function
  | `Eof -> Lwt.return_unit
  | `Invalid _ ->
      Printf.printf "server: rejected a malformed request\n%!";
      let headers = Cohttp.Header.of_list [ ("content-type", "text/plain"); ("connection", "close") ] in
      Server.respond_string ~headers ~status:`Bad_request ~body:"400 Bad Request\n" ()
      >>= respond oc
  | `Ok req ->
      drain_body ic req >>= fun () ->
      site req >>= fun answer ->
      respond ~head_only:(Cohttp.Request.meth req = `HEAD) oc answer >>= fun () ->
      if Cohttp.Request.is_keep_alive req then serve ic oc else Lwt.return_unit

let main =
  S.Net.connect () >>= fun net ->
  let address, _ = Option.get (S.Net.address ()) in
  Tcp.listen (S.Net.tcp net) ~port:80 (fun flow ->
      let ic, oc = IO.channels flow in
      IO.catch (fun () -> serve ic oc) >|= fun _ -> ());
  Printf.printf "server: serving http://%s:80/\n%!" address;
  fst (Lwt.wait ())

let () = S.Main.run main
