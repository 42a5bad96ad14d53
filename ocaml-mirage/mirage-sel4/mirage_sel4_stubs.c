/*
 * C stubs of the mirage-sel4 platform library, on the substrate's C ABI
 * (<substrate.h>).
 *
 * The main loop waits on one notification: bit 0 of its badge is the
 * timer (an alarm, substrate_alarm_set, on a copy badged 1), every other
 * bit a device. A device is served by a C thread of its own that does the
 * blocking call (reading the console, receiving on an endpoint), leaves the
 * result in its record, signals its bit and then waits on a notification
 * of its own until OCaml has taken the result. The OCaml runtime is single
 * threaded (no systhreads): only the main thread ever touches OCaml values.
 */
#include <stdint.h>
#include <string.h>

#include <caml/alloc.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>

#include <substrate.h>

#define MAX_BITS 62

static uint64_t loop_ntfn;  /* the main loop's notification (read and write) */
static uint64_t timer_copy; /* badged 1, for alarms */
static int next_bit = 1;
static uint64_t wakeups;

static void check(int32_t status, const char *what)
{
    if (status < 0)
        caml_failwith(what);
}

/* A new slot holding the loop's notification badged with `badge`, write only. */
static uint64_t badged_copy(uint64_t badge)
{
    uint64_t slot = 0;
    check(substrate_slot_alloc(&slot), "mirage-sel4: no slot for a badged notification");
    check(substrate_cnode_mint(slot, loop_ntfn, SUBSTRATE_RIGHT_WRITE, badge),
          "mirage-sel4: minting a badged notification failed");
    return slot;
}

value mirage_sel4_loop_init(value unit)
{
    (void)unit;
    if (loop_ntfn == 0) {
        check(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &loop_ntfn),
              "mirage-sel4: no notification for the main loop");
        timer_copy = badged_copy(1);
    }
    return Val_unit;
}

value mirage_sel4_now_ns(value unit)
{
    (void)unit;
    return caml_copy_int64((int64_t)substrate_time_ns());
}

value mirage_sel4_wall_ns(value unit)
{
    (void)unit;
    return caml_copy_int64((int64_t)substrate_realtime_ns());
}

value mirage_sel4_wakeups(value unit)
{
    (void)unit;
    return Val_long(wakeups);
}

/* Blocks until `deadline` (nanoseconds of substrate_time_ns; negative: no
   deadline) or a device's signal; returns the badge bits that woke it. */
value mirage_sel4_block(value deadline)
{
    int64_t d = Int64_val(deadline);
    uint64_t alarm = 0, bits = 0;
    int armed = 0;
    if (d >= 0) {
        check(substrate_alarm_set(timer_copy, (uint64_t)d, &alarm), "mirage-sel4: setting an alarm failed");
        armed = 1;
    }
    check(substrate_ntfn_wait(loop_ntfn, &bits), "mirage-sel4: waiting failed");
    if (armed)
        substrate_alarm_cancel(alarm);
    wakeups++;
    return Val_long((intnat)(bits & ((1ull << (MAX_BITS + 1)) - 1)));
}

static int new_bit(void)
{
    if (next_bit > MAX_BITS)
        caml_failwith("mirage-sel4: more than 62 devices");
    return next_bit++;
}

/* ---- the console ------------------------------------------------------------ */

value mirage_sel4_console_write(value buf, value off, value len)
{
    const uint8_t *p = (const uint8_t *)Bytes_val(buf) + Long_val(off);
    size_t n = (size_t)Long_val(len);
    while (n > 0) {
        ptrdiff_t w = substrate_console_write(p, n);
        if (w <= 0)
            caml_failwith("mirage-sel4: console write failed");
        p += w;
        n -= (size_t)w;
    }
    return Val_unit;
}

/* A device thread: does a blocking call, then hands the result over. */
struct device {
    int bit;
    uint64_t signal;  /* the loop's notification, badged 1 << bit */
    uint64_t resume;  /* the thread waits here until OCaml took the result */
    int busy;         /* 1 while a result waits for OCaml (read by OCaml after the signal) */
};

static void device_init(struct device *d)
{
    d->bit = new_bit();
    d->signal = badged_copy(1ull << d->bit);
    check(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &d->resume),
          "mirage-sel4: no notification for a device");
}

/* Called on the device thread with its result ready. */
static void device_handover(struct device *d)
{
    __atomic_store_n(&d->busy, 1, __ATOMIC_RELEASE);
    substrate_ntfn_signal(d->signal);
    substrate_ntfn_wait(d->resume, NULL);
}

/* Called by OCaml once it has taken the result. */
static void device_resume(struct device *d)
{
    __atomic_store_n(&d->busy, 0, __ATOMIC_RELEASE);
    substrate_ntfn_signal(d->resume);
}

static struct device console_dev;
static uint8_t console_buf[512];
static ptrdiff_t console_got;

static void *console_reader(void *arg)
{
    (void)arg;
    for (;;) {
        console_got = substrate_console_read(console_buf, sizeof console_buf);
        device_handover(&console_dev);
    }
    return NULL;
}

/* Starts the console's reader thread once; returns its bit. */
value mirage_sel4_console_start(value unit)
{
    (void)unit;
    if (console_dev.bit == 0) {
        substrate_thread_t t;
        device_init(&console_dev);
        check(substrate_thread_create(&t, console_reader, NULL), "mirage-sel4: no console thread");
    }
    return Val_int(console_dev.bit);
}

/* The bytes the reader got (empty at the end of input), and the reader
   goes on. */
value mirage_sel4_console_take(value unit)
{
    CAMLparam1(unit);
    CAMLlocal1(s);
    ptrdiff_t n = console_got < 0 ? 0 : console_got;
    s = caml_alloc_string((mlsize_t)n);
    memcpy(Bytes_val(s), console_buf, (size_t)n);
    device_resume(&console_dev);
    CAMLreturn(s);
}

/* ---- endpoints ------------------------------------------------------------------ */

value mirage_sel4_endpoint_create(value unit)
{
    (void)unit;
    uint64_t ep = 0;
    check(substrate_object_alloc(SUBSTRATE_OBJ_ENDPOINT, 0, &ep), "mirage-sel4: no endpoint");
    return Val_long((intnat)ep);
}

/* A copy of endpoint `ep` with badge `badge`, for a client. */
value mirage_sel4_endpoint_mint(value ep, value badge)
{
    uint64_t slot = 0;
    check(substrate_slot_alloc(&slot), "mirage-sel4: no slot");
    check(substrate_cnode_mint(slot, (uint64_t)Long_val(ep), SUBSTRATE_RIGHTS_ALL,
                               (uint64_t)Long_val(badge)),
          "mirage-sel4: minting an endpoint failed");
    return Val_long((intnat)slot);
}

#define SERVERS 8
struct server {
    struct device dev;
    uint64_t ep;
    uint64_t msg[SUBSTRATE_MSG_MAX_LENGTH];
    substrate_msginfo_t info;
    int32_t status;
    uint64_t reply_label;
    uint64_t reply[SUBSTRATE_MSG_MAX_LENGTH];
    size_t reply_len;
};
static struct server servers[SERVERS];
static int nservers;

static void *server_thread(void *arg)
{
    struct server *s = arg;
    for (;;) {
        s->status = substrate_ep_recv(s->ep, s->msg, SUBSTRATE_MSG_MAX_LENGTH, &s->info);
        device_handover(&s->dev);
        if (s->status == SUBSTRATE_OK)
            substrate_ep_reply(s->reply_label, s->reply, s->reply_len);
    }
    return NULL;
}

/* Serves endpoint `ep` from a thread of its own: returns (server, bit). */
value mirage_sel4_server_start(value ep)
{
    CAMLparam1(ep);
    CAMLlocal1(r);
    if (nservers == SERVERS)
        caml_failwith("mirage-sel4: more than 8 endpoint servers");
    struct server *s = &servers[nservers];
    s->ep = (uint64_t)Long_val(ep);
    device_init(&s->dev);
    substrate_thread_t t;
    check(substrate_thread_create(&t, server_thread, s), "mirage-sel4: no server thread");
    r = caml_alloc_tuple(2);
    Store_field(r, 0, Val_int(nservers));
    Store_field(r, 1, Val_int(s->dev.bit));
    nservers++;
    CAMLreturn(r);
}

/* The request the server's thread received: (label, badge, registers). */
value mirage_sel4_server_request(value id)
{
    CAMLparam1(id);
    CAMLlocal2(r, regs);
    struct server *s = &servers[Int_val(id)];
    if (s->status != SUBSTRATE_OK)
        caml_failwith("mirage-sel4: receiving on the endpoint failed");
    size_t n = s->info.length < SUBSTRATE_MSG_MAX_LENGTH ? s->info.length : SUBSTRATE_MSG_MAX_LENGTH;
    regs = n == 0 ? Atom(0) : caml_alloc_tuple(n);
    for (size_t i = 0; i < n; i++)
        Store_field(regs, i, caml_copy_int64((int64_t)s->msg[i]));
    r = caml_alloc_tuple(3);
    Store_field(r, 0, caml_copy_int64((int64_t)s->info.label));
    Store_field(r, 1, caml_copy_int64((int64_t)s->info.badge));
    Store_field(r, 2, regs);
    CAMLreturn(r);
}

/* The reply to the request taken last; the server's thread sends it and
   receives the next request. */
value mirage_sel4_server_reply(value id, value label, value regs)
{
    struct server *s = &servers[Int_val(id)];
    size_t n = Wosize_val(regs);
    if (n > SUBSTRATE_MSG_MAX_LENGTH)
        caml_invalid_argument("mirage-sel4: a reply of more than 120 registers");
    for (size_t i = 0; i < n; i++)
        s->reply[i] = (uint64_t)Int64_val(Field(regs, i));
    s->reply_len = n;
    s->reply_label = (uint64_t)Int64_val(label);
    device_resume(&s->dev);
    return Val_unit;
}

/* ---- notifications ------------------------------------------------------------- */

value mirage_sel4_ntfn_signal(value ntfn)
{
    check(substrate_ntfn_signal((uint64_t)Long_val(ntfn)), "mirage-sel4: signal failed");
    return Val_unit;
}

/* ---- system components ------------------------------------------------------------ */
/* In a component of a system (system.toml) the main loop waits for the
   component's own events instead (substrate_system_wait): the channel bits
   of its notification, protected calls on its endpoint, restarts of its
   peers. Everything runs on the one thread; nothing is created. */

value mirage_sel4_in_component(value unit)
{
    (void)unit;
    return Val_bool(substrate_system_name() != NULL);
}

value mirage_sel4_system_name(value unit)
{
    (void)unit;
    const char *name = substrate_system_name();
    return caml_copy_string(name != NULL ? name : "");
}

value mirage_sel4_system_restarts(value unit)
{
    (void)unit;
    return caml_copy_int64((int64_t)substrate_system_restarts());
}

value mirage_sel4_system_notify(value channel)
{
    return Val_int(substrate_system_notify((uint32_t)Int_val(channel)));
}

/* Sets the message registers from an int64 array; its length. */
static uint32_t set_regs(value regs)
{
    size_t n = Wosize_val(regs);
    if (n > SUBSTRATE_MSG_MAX_LENGTH)
        caml_invalid_argument("mirage-sel4: a message of more than 120 registers");
    for (size_t i = 0; i < n; i++)
        substrate_system_set_mr((uint32_t)i, (uint64_t)Int64_val(Field(regs, i)));
    return (uint32_t)n;
}

/* The first `n` message registers as an int64 array. */
static value get_regs(uint32_t n)
{
    CAMLparam0();
    CAMLlocal1(regs);
    if (n > SUBSTRATE_MSG_MAX_LENGTH)
        n = SUBSTRATE_MSG_MAX_LENGTH;
    /* Read them all before allocating: OCaml's allocation runs no seL4 IPC,
       but keep the registers' reads together anyway. */
    uint64_t words[SUBSTRATE_MSG_MAX_LENGTH];
    for (uint32_t i = 0; i < n; i++)
        words[i] = substrate_system_mr(i);
    regs = n == 0 ? Atom(0) : caml_alloc_tuple(n);
    for (uint32_t i = 0; i < n; i++)
        Store_field(regs, i, caml_copy_int64((int64_t)words[i]));
    CAMLreturn(regs);
}

/* (status, label, registers) of a protected call. */
value mirage_sel4_system_call(value channel, value label, value regs)
{
    CAMLparam3(channel, label, regs);
    CAMLlocal2(r, out);
    substrate_msg_t msg = {(uint64_t)Int64_val(label), set_regs(regs)};
    substrate_msg_t reply = {0, 0};
    int32_t status = substrate_system_call((uint32_t)Int_val(channel), msg, &reply);
    out = get_regs(status == SUBSTRATE_OK ? reply.length : 0);
    r = caml_alloc_tuple(3);
    Store_field(r, 0, Val_int(status));
    Store_field(r, 1, caml_copy_int64((int64_t)reply.label));
    Store_field(r, 2, out);
    CAMLreturn(r);
}

/* The next event: (kind, channel, bits, label, registers). */
value mirage_sel4_system_wait(value unit)
{
    CAMLparam1(unit);
    CAMLlocal2(r, regs);
    substrate_system_event_t ev;
    check(substrate_system_wait(&ev), "mirage-sel4: waiting for the component's events failed");
    wakeups++;
    regs = get_regs(ev.kind == SUBSTRATE_SYSTEM_CALL ? ev.msg.length : 0);
    r = caml_alloc_tuple(5);
    Store_field(r, 0, Val_int(ev.kind));
    Store_field(r, 1, Val_int(ev.channel));
    Store_field(r, 2, caml_copy_int64((int64_t)ev.bits));
    Store_field(r, 3, caml_copy_int64((int64_t)ev.msg.label));
    Store_field(r, 4, regs);
    CAMLreturn(r);
}

/* Sets the component's alarm (substrate_system_set_alarm): its status. */
value mirage_sel4_system_set_alarm(value deadline)
{
    return Val_int(substrate_system_set_alarm((uint64_t)Int64_val(deadline)));
}

/* The reply to the call the last wait returned. */
value mirage_sel4_system_reply(value label, value regs)
{
    substrate_msg_t msg = {(uint64_t)Int64_val(label), set_regs(regs)};
    check(substrate_system_reply(msg), "mirage-sel4: replying failed");
    return Val_unit;
}

/* ---- the network stack (substrate_net_*, a system component's) ----------- */

value mirage_sel4_net_start(value channel, value sockets)
{
    substrate_net_config_t cfg = {0};
    cfg.channel = (uint32_t)Int_val(channel);
    cfg.sockets = (uint32_t)Int_val(sockets);
    return Val_int(substrate_net_start(&cfg));
}

value mirage_sel4_net_poll(value unit)
{
    (void)unit;
    return Val_int(substrate_net_poll());
}

/* -2L: poll again now; -1L: block with no deadline; else the deadline
   (the system clock's nanoseconds). Another status is raised. */
value mirage_sel4_net_prepare_wait(value unit)
{
    (void)unit;
    uint64_t deadline = 0;
    int32_t s = substrate_net_prepare_wait(&deadline);
    if (s < 0)
        check(s, "mirage-sel4: Net: preparing to wait failed");
    if (s == 0)
        return caml_copy_int64(-2);
    return caml_copy_int64(deadline == UINT64_MAX ? -1 : (int64_t)(deadline & INT64_MAX));
}

/* (address, prefix length), address as a.b.c.d = a << 24 | ...; None
   while there is none. */
value mirage_sel4_net_address(value unit)
{
    CAMLparam1(unit);
    CAMLlocal2(pair, some);
    uint32_t address = 0, prefix = 0;
    if (substrate_net_address(&address, &prefix) != 0)
        CAMLreturn(Val_int(0));
    pair = caml_alloc_tuple(2);
    Store_field(pair, 0, caml_copy_int32((int32_t)address));
    Store_field(pair, 1, Val_int(prefix));
    some = caml_alloc(1, 0);
    Store_field(some, 0, pair);
    CAMLreturn(some);
}

value mirage_sel4_net_listen(value port, value backlog)
{
    return Val_int(substrate_net_listen((uint16_t)Int_val(port), (uint32_t)Int_val(backlog)));
}

value mirage_sel4_net_accept(value listener)
{
    return Val_int(substrate_net_accept(Int_val(listener)));
}

value mirage_sel4_net_close_listener(value listener)
{
    return Val_int(substrate_net_close_listener(Int_val(listener)));
}

/* Into bytes [off, off + len) (checked by the caller). */
value mirage_sel4_net_recv(value conn, value buf, value off, value len)
{
    return Val_long(substrate_net_recv(Int_val(conn), (uint8_t *)Bytes_val(buf) + Long_val(off),
                                       (size_t)Long_val(len)));
}

value mirage_sel4_net_send(value conn, value buf, value off, value len)
{
    return Val_long(substrate_net_send(Int_val(conn),
                                       (const uint8_t *)String_val(buf) + Long_val(off),
                                       (size_t)Long_val(len)));
}

value mirage_sel4_net_close(value conn)
{
    return Val_int(substrate_net_close(Int_val(conn)));
}

value mirage_sel4_net_abort(value conn)
{
    return Val_int(substrate_net_abort(Int_val(conn)));
}

value mirage_sel4_net_driver_restarted(value unit)
{
    (void)unit;
    return Val_int(substrate_net_driver_restarted());
}

/* The BootInfo figures of the information page, as (name, value) pairs;
   [] outside a system component. */
value mirage_sel4_system_boot_info(value unit)
{
    CAMLparam1(unit);
    CAMLlocal3(list, pair, cell);
    substrate_boot_info_t b;
    list = Val_emptylist;
    if (substrate_system_boot_info(&b) != 0)
        CAMLreturn(list);
    const struct { const char *name; uint64_t value; } figures[] = {
        {"untyped capabilities", b.untypeds},
        {"of them RAM", b.ram_untypeds},
        {"untyped RAM (KiB)", b.ram_bytes / 1024},
        {"device untyped (GiB)", b.device_bytes >> 30},
        {"empty CNode slots", b.empty_slots},
        {"CNode size (bits)", b.cnode_size_bits},
        {"image frames", b.image_frames},
        {"cores", b.nodes},
    };
    for (int i = (int)(sizeof figures / sizeof figures[0]) - 1; i >= 0; i--) {
        pair = caml_alloc_tuple(2);
        Store_field(pair, 0, caml_copy_string(figures[i].name));
        Store_field(pair, 1, caml_copy_int64((int64_t)figures[i].value));
        cell = caml_alloc(2, 0);
        Store_field(cell, 0, pair);
        Store_field(cell, 1, list);
        list = cell;
    }
    CAMLreturn(list);
}

value mirage_sel4_kernel_version(value unit)
{
    (void)unit;
    const char *v = substrate_kernel_version();
    return caml_copy_string(v != NULL ? v : "(version not recorded)");
}
