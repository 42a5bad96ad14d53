(* mirage-sel4: a MirageOS-style platform on seL4, on Debian's Lwt core. *)

module Stubs = struct
  external loop_init : unit -> unit = "mirage_sel4_loop_init"
  external now_ns : unit -> int64 = "mirage_sel4_now_ns"
  external wall_ns : unit -> int64 = "mirage_sel4_wall_ns"
  external block : int64 -> int = "mirage_sel4_block"
  external wakeups : unit -> int = "mirage_sel4_wakeups"
  external console_write : bytes -> int -> int -> unit = "mirage_sel4_console_write"
  external console_start : unit -> int = "mirage_sel4_console_start"
  external console_take : unit -> string = "mirage_sel4_console_take"
  external endpoint_create : unit -> int = "mirage_sel4_endpoint_create"
  external endpoint_mint : int -> int -> int = "mirage_sel4_endpoint_mint"
  external server_start : int -> int * int = "mirage_sel4_server_start"

  external server_request : int -> int64 * int64 * int64 array
    = "mirage_sel4_server_request"

  external server_reply : int -> int64 -> int64 array -> unit = "mirage_sel4_server_reply"
  external in_component : unit -> bool = "mirage_sel4_in_component"
  external system_name : unit -> string = "mirage_sel4_system_name"
  external system_restarts : unit -> int64 = "mirage_sel4_system_restarts"
  external system_notify : int -> int = "mirage_sel4_system_notify"

  external system_call : int -> int64 -> int64 array -> int * int64 * int64 array
    = "mirage_sel4_system_call"

  external system_wait : unit -> int * int * int64 * int64 * int64 array
    = "mirage_sel4_system_wait"

  external system_reply : int64 -> int64 array -> unit = "mirage_sel4_system_reply"
  external system_set_alarm : int64 -> int = "mirage_sel4_system_set_alarm"
  external system_boot_info : unit -> (string * int64) list = "mirage_sel4_system_boot_info"
  external kernel_version : unit -> string = "mirage_sel4_kernel_version"
  external net_start : int -> int -> int = "mirage_sel4_net_start"
  external net_poll : unit -> int = "mirage_sel4_net_poll"
  external net_prepare_wait : unit -> int64 = "mirage_sel4_net_prepare_wait"
  external net_address : unit -> (int32 * int) option = "mirage_sel4_net_address"
  external net_listen : int -> int -> int = "mirage_sel4_net_listen"
  external net_accept : int -> int = "mirage_sel4_net_accept"
  external net_close_listener : int -> int = "mirage_sel4_net_close_listener"
  external net_recv : int -> bytes -> int -> int -> int = "mirage_sel4_net_recv"
  external net_send : int -> string -> int -> int -> int = "mirage_sel4_net_send"
  external net_close : int -> int = "mirage_sel4_net_close"
  external net_abort : int -> int = "mirage_sel4_net_abort"
  external net_driver_restarted : unit -> int = "mirage_sel4_net_driver_restarted"
end

(* Module signatures shaped like MirageOS's device interfaces (mirage-time,
   mirage-clock, mirage-console, mirage-flow), so that code written against
   them ports with few changes. *)
module type TIME = sig
  val sleep_ns : int64 -> unit Lwt.t
end

module type MCLOCK = sig
  val elapsed_ns : unit -> int64
  val period_ns : unit -> int64 option
end

module type PCLOCK = sig
  val now_d_ps : unit -> int * int64
  val current_tz_offset_s : unit -> int option
  val period_d_ps : unit -> (int * int64) option
end

module type CONSOLE = sig
  type t
  type error = [ `Closed ]
  type write_error = [ `Closed ]

  val pp_error : error Fmt.t
  val pp_write_error : write_error Fmt.t
  val connect : string -> t Lwt.t
  val read : t -> ([ `Data of Cstruct.t | `Eof ], error) result Lwt.t
  val write : t -> Cstruct.t -> (unit, write_error) result Lwt.t
  val writev : t -> Cstruct.t list -> (unit, write_error) result Lwt.t
  val close : t -> unit Lwt.t
end

module type FLOW = sig
  type flow
  type error
  type write_error = private [> `Closed ]

  val pp_error : error Fmt.t
  val pp_write_error : write_error Fmt.t
  val read : flow -> ([ `Data of Cstruct.t | `Eof ], error) result Lwt.t
  val write : flow -> Cstruct.t -> (unit, write_error) result Lwt.t
  val writev : flow -> Cstruct.t list -> (unit, write_error) result Lwt.t
  val shutdown : flow -> [ `read | `write | `read_write ] -> unit Lwt.t
  val close : flow -> unit Lwt.t
end

(* Mirage's TCP device (mirage-protocols' TCP, without client connections
   and addresses): a FLOW, and [listen] calling a function with each
   connection made to a port. *)
module type TCP = sig
  type t

  include FLOW

  val listen : t -> port:int -> (flow -> unit Lwt.t) -> unit
  val unlisten : t -> port:int -> unit
end

(* The sleepers, by deadline (then by order of arrival). *)
module Sleepers = Map.Make (struct
  type t = int64 * int

  let compare (a, i) (b, j) =
    match Int64.unsigned_compare a b with 0 -> compare i j | c -> c
end)

let sleepers : unit Lwt.u Sleepers.t ref = ref Sleepers.empty
let sleeper_seq = ref 0

(* Devices: the badge bit each one signals the main loop with, and what to
   do when it does. *)
let devices : (int * (unit -> unit)) list ref = ref []

let initialised = ref false

(* In a component of a system, the main loop waits for the component's
   events (System below) and nothing needs creating. *)
let component = lazy (Stubs.in_component ())

let init () =
  if not !initialised then (
    if not (Lazy.force component) then Stubs.loop_init ();
    initialised := true)

let register_device bit handler =
  init ();
  devices := (bit, handler) :: !devices

module Time = struct
  let sleep_ns ns =
    init ();
    let deadline = Int64.add (Stubs.now_ns ()) (if Int64.compare ns 0L < 0 then 0L else ns) in
    let p, u = Lwt.task () in
    incr sleeper_seq;
    let key = (deadline, !sleeper_seq) in
    sleepers := Sleepers.add key u !sleepers;
    Lwt.on_cancel p (fun () -> sleepers := Sleepers.remove key !sleepers);
    p

  (* Wakes every sleeper whose deadline has passed. *)
  let wake_expired () =
    let now = Stubs.now_ns () in
    let rec go () =
      match Sleepers.min_binding_opt !sleepers with
      | Some (((d, _) as key), u) when Int64.unsigned_compare d now <= 0 ->
          sleepers := Sleepers.remove key !sleepers;
          Lwt.wakeup_later u ();
          go ()
      | _ -> ()
    in
    go ()

  let next_deadline () =
    match Sleepers.min_binding_opt !sleepers with Some ((d, _), _) -> d | None -> -1L
end

module Mclock = struct
  let elapsed_ns () = Stubs.now_ns ()
  let period_ns () = None
end

module Pclock = struct
  let now_d_ps () =
    let ns = Stubs.wall_ns () in
    let day_ns = 86_400_000_000_000L in
    let days = Int64.div ns day_ns in
    let rem = Int64.rem ns day_ns in
    (Int64.to_int days, Int64.mul rem 1000L)

  let current_tz_offset_s () = Some 0
  let period_d_ps () = Some (0, 1_000_000_000_000L)
end

(* A component of a system (system.toml): its channels as devices of the
   main loop. A channel's notification wakes the promises waiting on it;
   protected calls are answered by the function given to [serve], one at a
   time (as the Microkit's protected procedures). *)
module System = struct
  exception Not_granted of int
  exception Peer_restarted of int

  let in_component () = Lazy.force component
  let name () = Stubs.system_name ()
  let restarts () = Stubs.system_restarts ()

  (* The kernel's BootInfo figures as the initializer received them, and
     its version. *)
  let boot_info () = Stubs.system_boot_info ()
  let kernel_version () = Stubs.kernel_version ()

  (* Status codes of substrate.h. *)
  let eperm = -1
  let eagain = -11

  let notify channel =
    match Stubs.system_notify channel with
    | 0 -> ()
    | s when s = eperm -> raise (Not_granted channel)
    | s -> failwith (Printf.sprintf "System.notify %d: status %d" channel s)

  let call channel ~label regs =
    match Stubs.system_call channel label regs with
    | 0, l, r -> (l, r)
    | s, _, _ when s = eperm -> raise (Not_granted channel)
    | s, _, _ when s = eagain -> raise (Peer_restarted channel)
    | s, _, _ -> failwith (Printf.sprintf "System.call %d: status %d" channel s)

  (* Channel bits that arrived with no one waiting, and the waiters. *)
  let pending = ref 0L
  let waiters : (int, unit Lwt.u list) Hashtbl.t = Hashtbl.create 8
  let restart_waiters : (int, unit Lwt.u list) Hashtbl.t = Hashtbl.create 8
  let server : (int -> int64 -> int64 array -> int64 * int64 array) option ref = ref None

  let bit channel = Int64.shift_left 1L channel

  let wait channel =
    init ();
    if Int64.logand !pending (bit channel) <> 0L then (
      pending := Int64.logand !pending (Int64.lognot (bit channel));
      Lwt.return_unit)
    else
      let p, u = Lwt.wait () in
      Hashtbl.replace waiters channel
        (u :: Option.value ~default:[] (Hashtbl.find_opt waiters channel));
      p

  let restarted channel =
    init ();
    let p, u = Lwt.wait () in
    Hashtbl.replace restart_waiters channel
      (u :: Option.value ~default:[] (Hashtbl.find_opt restart_waiters channel));
    p

  let serve f =
    init ();
    server := Some f

  let wake table channel =
    match Hashtbl.find_opt table channel with
    | Some us ->
        Hashtbl.remove table channel;
        List.iter (fun u -> Lwt.wakeup_later u ()) (List.rev us);
        true
    | None -> false

  let deliver bits =
    for channel = 0 to 23 do
      if Int64.logand bits (bit channel) <> 0L && not (wake waiters channel) then
        pending := Int64.logor !pending (bit channel)
    done

  (* The deadline of the component's alarm (-1L: none set), which wakes
     the loop for Time.sleep_ns; set only when the earliest sleeper's
     deadline changes. *)
  let armed = ref (-1L)

  let arm deadline =
    if deadline <> -1L && deadline <> !armed then
      match Stubs.system_set_alarm deadline with
      | 0 -> armed := deadline
      | s when s = eperm ->
          failwith "Time.sleep_ns: this component has no timer (say timer = true in its description)"
      | s -> failwith (Printf.sprintf "Time.sleep_ns: setting the alarm failed (status %d)" s)

  (* One event of the component; answers a call before returning. *)
  let step () =
    match Stubs.system_wait () with
    | 1, _, bits, _, _ -> deliver bits
    | 2, channel, _, label, regs ->
        let rlabel, rregs =
          match !server with
          | Some f -> ( try f channel label regs with _ -> (0L, [||]))
          | None -> (0L, [||])
        in
        Stubs.system_reply rlabel rregs
    | 3, channel, _, _, _ -> ignore (wake restart_waiters channel)
    | 5, _, _, _, _ -> armed := -1L (* gone off: Main.run wakes the sleepers *)
    | _ -> ()
end

(* TCP/IP through the substrate's network stack (smoltcp over a network
   driver component's frame queues; substrate_net_* of the C ABI), in the
   shape of Mirage's stack and TCP devices. One task moves the frames
   ([pump]): it polls the stack, wakes the operations that were waiting
   for it, then blocks (in the main loop) until the driver signals, the
   stack's next timer, or an operation did something the stack must act
   on. Operations that would block wait for the next poll. *)
module Net = struct
  let ( >>= ) = Lwt.bind

  type t = { channel : int }

  exception Net_error of string

  let eagain = -11
  let epipe = -32
  let eaddrinuse = -112
  let started = ref None

  (* Operations waiting for the next poll, and the pump's own wake-up. *)
  let waiters : unit Lwt.u list ref = ref []
  let kicked = ref false
  let kick_waiter : unit Lwt.u option ref = ref None

  let kick () =
    kicked := true;
    match !kick_waiter with
    | Some u ->
        kick_waiter := None;
        Lwt.wakeup_later u ()
    | None -> ()

  let after_poll () =
    let p, u = Lwt.wait () in
    waiters := u :: !waiters;
    p

  let rec pump t =
    kicked := false;
    (* A status other than 0: the driver's queues are broken until its
       restart (the stack said so on the console); the pump goes on
       blocking as usual, and the restart starts them over. *)
    ignore (Stubs.net_poll ());
    let ws = !waiters in
    waiters := [];
    List.iter (fun u -> Lwt.wakeup_later u ()) (List.rev ws);
    Lwt.pause () >>= fun () ->
    if !kicked then pump t
    else
      let deadline = Stubs.net_prepare_wait () in
      if deadline = -2L then pump t
      else begin
        let p, u = Lwt.task () in
        kick_waiter := Some u;
        let timer =
          if deadline = -1L then []
          else [ Time.sleep_ns (Int64.sub deadline (Stubs.now_ns ())) ]
        in
        Lwt.pick (p :: timer) >>= fun () ->
        kick_waiter := None;
        pump t
      end

  (* The driver's signals and restarts, each by a task of its own that
     waits for it for ever (a wait given up would lose a signal). *)
  let rec watch_driver channel =
    System.wait channel >>= fun () ->
    kick ();
    watch_driver channel

  let rec watch_restarts channel =
    System.restarted channel >>= fun () ->
    (* The stack says on the console how it went. *)
    ignore (Stubs.net_driver_restarted ());
    kick ();
    watch_restarts channel

  let address () =
    match Stubs.net_address () with
    | Some (a, prefix) ->
        let b i = Int32.(to_int (logand (shift_right_logical a i) 0xffl)) in
        Some (Printf.sprintf "%d.%d.%d.%d" (b 24) (b 16) (b 8) (b 0), prefix)
    | None -> None

  (* Starts the stack on the driver of [channel] (DHCP) and resolves once
     it has an address; [listen] then runs it. *)
  let connect ?(channel = 0) ?(sockets = 48) () =
    init ();
    if not (System.in_component ()) then
      Lwt.fail (Net_error "Net.connect: not a component of a system")
    else
      match !started with
      | Some t -> Lwt.return t
      | None -> (
          match Stubs.net_start channel sockets with
          | 0 ->
              let t = { channel } in
              started := Some t;
              Lwt.async (fun () -> watch_driver channel);
              Lwt.async (fun () -> watch_restarts channel);
              let stopped, _ = Lwt.wait () in
              Lwt.async (fun () -> Lwt.pick [ pump t; stopped ]);
              let rec configured () =
                match address () with
                | Some _ -> Lwt.return t
                | None -> after_poll () >>= configured
              in
              configured ()
          | s -> Lwt.fail (Net_error (Printf.sprintf "Net.connect: status %d" s)))

  module Tcp = struct
    type nonrec t = t
    type flow = { id : int; mutable closed : bool; buf : bytes }
    type error = [ `Reset ]
    type write_error = [ `Closed | `Reset ]

    let pp_error ppf `Reset = Fmt.string ppf "connection reset"

    let pp_write_error ppf = function
      | `Closed -> Fmt.string ppf "connection closed"
      | `Reset -> Fmt.string ppf "connection reset"

    let rec read flow =
      if flow.closed then Lwt.return (Ok `Eof)
      else
        let n = Stubs.net_recv flow.id flow.buf 0 (Bytes.length flow.buf) in
        if n > 0 then begin
          kick ();
          Lwt.return (Ok (`Data (Cstruct.of_bytes (Bytes.sub flow.buf 0 n))))
        end
        else if n = 0 then Lwt.return (Ok `Eof)
        else if n = eagain then after_poll () >>= fun () -> read flow
        else Lwt.return (Error `Reset)

    let write flow buf =
      let s = Cstruct.to_string buf in
      let rec go off =
        if off >= String.length s then Lwt.return (Ok ())
        else if flow.closed then Lwt.return (Error `Closed)
        else
          let n = Stubs.net_send flow.id s off (String.length s - off) in
          if n > 0 then begin
            kick ();
            go (off + n)
          end
          else if n = eagain then after_poll () >>= fun () -> go off
          else if n = epipe then Lwt.return (Error `Closed)
          else Lwt.return (Error `Reset)
      in
      go 0

    let writev flow bufs = write flow (Cstruct.concat bufs)

    let close flow =
      if not flow.closed then begin
        flow.closed <- true;
        ignore (Stubs.net_close flow.id);
        kick ()
      end;
      Lwt.return_unit

    (* smoltcp closes both halves together. *)
    let shutdown flow _ = close flow

    let listeners : (int, int) Hashtbl.t = Hashtbl.create 4

    let listen (_ : t) ~port callback =
      let l = Stubs.net_listen port 16 in
      if l = eaddrinuse then invalid_arg (Printf.sprintf "Net.Tcp.listen: port %d is taken" port)
      else if l < 0 then raise (Net_error (Printf.sprintf "Net.Tcp.listen %d: status %d" port l));
      Hashtbl.replace listeners port l;
      kick ();
      let rec accept () =
        if Hashtbl.find_opt listeners port <> Some l then Lwt.return_unit
        else
          let c = Stubs.net_accept l in
          if c >= 0 then begin
            kick ();
            let flow = { id = c; closed = false; buf = Bytes.create 4096 } in
            Lwt.async (fun () ->
                Lwt.finalize
                  (fun () -> Lwt.catch (fun () -> callback flow) (fun _ -> Lwt.return_unit))
                  (fun () -> close flow));
            accept ()
          end
          else if c = eagain then after_poll () >>= accept
          else Lwt.fail (Net_error (Printf.sprintf "Net.Tcp.accept: status %d" c))
      in
      Lwt.async accept

    let unlisten (_ : t) ~port =
      match Hashtbl.find_opt listeners port with
      | Some l ->
          Hashtbl.remove listeners port;
          ignore (Stubs.net_close_listener l);
          kick ()
      | None -> ()
  end

  let tcp t = t
end

module Main = struct
  let wakeups () = Stubs.wakeups ()

  let run t =
    init ();
    let rec loop () =
      Lwt.wakeup_paused ();
      Time.wake_expired ();
      match Lwt.state t with
      | Lwt.Return v -> v
      | Lwt.Fail e -> raise e
      | Lwt.Sleep ->
          if Lwt.paused_count () > 0 then loop ()
          else if System.in_component () then begin
            System.arm (Time.next_deadline ());
            System.step ();
            loop ()
          end
          else begin
            let deadline = Time.next_deadline () in
            if deadline = -1L && !devices = [] then
              failwith "Main.run: the main promise waits for nothing that can happen";
            let bits = Stubs.block deadline in
            List.iter
              (fun (bit, handler) -> if bits land (1 lsl bit) <> 0 then handler ())
              !devices;
            loop ()
          end
    in
    loop ()
end

module Console = struct
  type t = { mutable closed : bool }
  type error = [ `Closed ]
  type write_error = [ `Closed ]

  let pp_error ppf `Closed = Fmt.string ppf "console closed"
  let pp_write_error = pp_error
  let reader_started = ref false

  (* Input that arrived, and the readers waiting for some. *)
  let pending : string Queue.t = Queue.create ()
  let waiting : string Lwt.u Queue.t = Queue.create ()

  let deliver () =
    let s = Stubs.console_take () in
    match Queue.take_opt waiting with
    | Some u -> Lwt.wakeup_later u s
    | None -> Queue.add s pending

  let connect _name =
    init ();
    Lwt.return { closed = false }

  let read t =
    if t.closed then Lwt.return (Error `Closed)
    else begin
      if not !reader_started then (
        reader_started := true;
        let bit = Stubs.console_start () in
        register_device bit deliver);
      let got =
        match Queue.take_opt pending with
        | Some s -> Lwt.return s
        | None ->
            let p, u = Lwt.wait () in
            Queue.add u waiting;
            p
      in
      Lwt.map (fun s -> if s = "" then Ok `Eof else Ok (`Data (Cstruct.of_string s))) got
    end

  let write t buf =
    if t.closed then Lwt.return (Error `Closed)
    else begin
      let b = Cstruct.to_bytes buf in
      Stubs.console_write b 0 (Bytes.length b);
      Lwt.return (Ok ())
    end

  let writev t bufs = write t (Cstruct.concat bufs)

  let log t s = Lwt.map (fun _ -> ()) (write t (Cstruct.of_string (s ^ "\n")))

  let close t =
    t.closed <- true;
    Lwt.return_unit
end

(* Logs reports on the console: "<time> [<source>] <LEVEL> message". *)
module Logs_reporter = struct
  let reporter () =
    let report src level ~over k msgf =
      let k _ =
        over ();
        k ()
      in
      msgf @@ fun ?header ?tags:_ fmt ->
      let t = Int64.to_float (Mclock.elapsed_ns ()) /. 1e9 in
      Format.kfprintf
        (fun ppf ->
          Format.pp_print_flush ppf ();
          k ())
        Format.std_formatter
        ("%10.6f [%s] %a @[" ^^ fmt ^^ "@]@.")
        t (Logs.Src.name src) Logs.pp_header (level, header)
    in
    { Logs.report }

  let set ?(level = Logs.Info) () =
    Logs.set_level (Some level);
    Logs.set_reporter (reporter ())
end

(* seL4 endpoints served from the main loop: a C thread receives each call
   and the loop hands it to the handler as an Lwt promise, so that other
   Lwt threads (timers, ...) keep running while the server waits. *)
module Ipc = struct
  type endpoint = int

  let create () =
    init ();
    Stubs.endpoint_create ()

  let mint ep ~badge = Stubs.endpoint_mint ep badge
  let slot (ep : endpoint) = ep

  type request = { label : int64; badge : int64; regs : int64 array }

  let serve ep handler =
    let id, bit = Stubs.server_start ep in
    let stop, _ = Lwt.wait () in
    register_device bit (fun () ->
        let label, badge, regs = Stubs.server_request id in
        Lwt.async (fun () ->
            Lwt.map
              (fun (rlabel, rregs) -> Stubs.server_reply id rlabel rregs)
              (handler { label; badge; regs })));
    stop
end
