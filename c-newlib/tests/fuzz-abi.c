/*
 * fuzz-abi: a fuzzer for the C ABI (ffi/include/substrate.h), run inside seL4.
 *
 * It makes FUZZ_CALLS calls to the functions of substrate.h, with arguments
 * drawn from a seeded generator (splitmix64, below): valid values (real
 * capabilities from substrate_object_alloc, real slots from
 * substrate_slot_alloc, real buffers, live heap blocks, initialised mutexes)
 * mixed with hostile ones (null, misaligned, huge, unmapped, kernel-half and
 * non-canonical pointers; capabilities of the wrong type, reduced rights, the
 * runtime's own slots, empty slots, slots beyond the CNode, 2^63; sizes,
 * labels, badges, rights bits and object types out of range). After every
 * call it checks that
 *
 *   - the call returned at all (a fault in main's thread is reported by the
 *     runtime, `fault: VM fault ...`, and fails the image; a hang times out);
 *   - the status is one the header's doc comment names for that function
 *     (the `documented` column of the table at the end of this file), and,
 *     where the doc ties an error to an argument the fuzzer knows is bad,
 *     not SUBSTRATE_OK; where every argument is good, SUBSTRATE_OK;
 *
 * and every FUZZ_CHECK_EVERY calls (and at the end) that the runtime still
 * works: malloc (substrate's and newlib's), a thread spawned and joined, a
 * mutex locked and unlocked, a notification allocated, signalled, polled and
 * freed, a line on the console.
 *
 * Output: `fuzz: seed 0x... calls N` first, `fuzz: N calls clean` last. A
 * failure prints `fuzz: FAILED call #N: substrate_xxx(args) returned S
 * (allowed: ...)` (or `fuzz: FAILED health check ...`), the recent calls,
 * and ends the image with a failure status.
 *
 * Build-time settings (-D...):
 *   FUZZ_SEED         the generator's seed (default below)
 *   FUZZ_CALLS        how many calls to make (default: a short run)
 *   FUZZ_CHECK_EVERY  calls between health checks (default 500)
 *   FUZZ_TRACE_FROM   print every call from this call number on, before it
 *                     is made: the run is deterministic for a seed, so
 *                     building with FUZZ_TRACE_FROM a little below a failing
 *                     call number shows exactly what led to a fault or hang.
 *   FUZZ_OFF          hostile classes to leave out per function, on top of
 *                     the table: '{[F_FREE] = X_UNMAPPED | X_KERNEL}'.
 *
 * A fault inside the ABI cannot be caught here; to find the call anyway, the
 * hostile pointers carry the call number: an unmapped pointer is
 * UNMAPPED_BASE + 16 * n, a kernel-half one KERNEL_BASE + 16 * n (the low 32
 * bits, which is all seL4 5.0 reports of a VM fault's address, are
 * 0x10000000 + 16 * n and 0x20000000 + 16 * n), and the fault's ip names
 * the ABI function (addr2line on the image).
 *
 * What is not fuzzed, and why:
 *   - The functions of a system component (substrate_system_*, and its
 *     network stack, substrate_net_*) are called here outside a system,
 *     where each must refuse at once (ENOSYS) or report nothing; the same
 *     calls inside a component are booted by the system images
 *     (tests/images/system-c, system-timer, system-ocaml; the network
 *     stack by examples/mirage-http and tests/images/system-mirage-restart).
 *     The shared rings (substrate_ring_*) are not fuzzed yet: the boot
 *     test c:ring and the system-ring image's hostile peer cover them.
 *   - substrate_exit and substrate_abort end the system (they never return);
 *     every other run of this image ends through substrate_exit, and
 *     c-newlib/tests/abort.c covers substrate_abort.
 *   - substrate_console_read blocks until input arrives: it is called only in
 *     the forms that return without input (len 0, a null buffer or one that
 *     is not the program's, len above INTPTR_MAX).
 *   - substrate_sleep_ns and _until_ns sleep at most 100 microseconds (never
 *     UINT64_MAX, which sleeps forever).
 *   - Calls that would block forever are made only in forms that return: an
 *     endpoint is sent to, called or received on only while the peer thread
 *     (below) is ready on the other side; a notification is waited on only
 *     after it was signalled (or while the peer signals it); a mutex held by
 *     the calling thread is not locked again except to see EDEADLK; a
 *     condition variable is waited on only while the peer will signal it;
 *     a thread is joined only if it ends by itself. Hostile forms of these
 *     calls use arguments the header says are refused at once.
 *
 * Expected statuses are exact where the fuzzer knows an argument is bad:
 * for each call it collects the refusals the doc names for what it drew
 * (EINVAL for a length or label out of range, EFAULT for a pointer to no
 * memory of the program, EBADCAP for a capability argument C does not own
 * or of the wrong type, EPERM for a destination slot or address C may not
 * use, EBUSY for a live mutex initialised again, ...) and the status must
 * be one of them (the ABI's own order decides which). Every hostile class
 * is drawn for every function; FUZZ_OFF can switch one off (X_* bits) to
 * narrow a finding down.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <substrate.h>

#ifndef FUZZ_SEED
#define FUZZ_SEED 0x5eed0f5ab5f00dull
#endif
#ifndef FUZZ_CALLS
#define FUZZ_CALLS 30000
#endif
#ifndef FUZZ_CHECK_EVERY
#define FUZZ_CHECK_EVERY 500
#endif
#ifndef FUZZ_TRACE_FROM
#define FUZZ_TRACE_FROM UINT64_MAX
#endif

/* ---- addresses ------------------------------------------------------------ */

/* Hostile pointers (see the header comment); 16-byte aligned, so that
   functions checking alignment get as far as dereferencing them. */
#define UNMAPPED_BASE 0x00007f0010000000ull
#define KERNEL_BASE 0xffff800020000000ull
#define NONCANON_BASE 0x0000800040000000ull
/* Code addresses for thread entries that fault at once. */
#define BAD_CODE_BASE 0x00007f0030000000ull

/* Where the fuzzer maps its own frames: a 4 MiB window of 4 KiB pages (two
   page tables, made once), four 2 MiB slots for large frames, one read-only
   page. Far from the image, the thread region (1-2 GiB) and sbrk (64 GiB). */
#define VA_SMALL 0x0000500000000000ull
#define VA_SMALL_PAGES 1024
#define VA_LARGE 0x0000510000000000ull
#define VA_LARGE_SLOTS 4
#define VA_READONLY 0x0000520000000000ull
/* Where the runtime maps thread stacks and the sbrk region. */
#define THREAD_REGION_START 0x40000000ull
#define THREAD_REGION_END 0x80000000ull
#define SBRK_REGION_SIZE (256ull << 30) /* SUBSTRATE_FFI_SBRK_SIZE, by default */

#define PAGE SUBSTRATE_PAGE_SIZE
#define LARGE_PAGE (2ull << 20)
/* The root CNode's slots, as the kernel was built (substrate_cnode_slots():
   4096 on seL4 5.0's default configuration, 2^19 in upstream's verified one). */
static uint64_t CNODE_SLOTS;

/* ---- console output without the C library's locks ------------------------ */

/* The fuzzer's own messages go through substrate_console_write directly, so
   that a runtime the fuzzer has broken can still report it. */
static char line[1024];
static size_t line_len;

static void out_str(const char *s)
{
    while (*s && line_len < sizeof line - 1)
        line[line_len++] = *s++;
}

/* `v` as 0x... in `buf` (at least 19 bytes): where it starts. */
static const char *hex(char *buf, uint64_t v)
{
    int i = 18;
    buf[i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    return &buf[i];
}

static void out_hex(uint64_t v)
{
    char buf[19];
    out_str(hex(buf, v));
}

static void out_dec(int64_t v)
{
    char buf[21];
    int i = sizeof buf;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--i] = '-';
    for (; i < (int)sizeof buf; i++)
        if (line_len < sizeof line - 1)
            line[line_len++] = buf[i];
}

static void out_flush(void)
{
    line[line_len++] = '\n';
    substrate_console_write((const uint8_t *)line, line_len);
    line_len = 0;
}

/* ---- the generator ---------------------------------------------------------- */

static uint64_t rng_state;

/* splitmix64: one 64-bit state, every seed gives a full-period sequence. */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

static bool chance(unsigned percent)
{
    return below(100) < percent;
}

/* A value from a list. */
#define PICK(...)                                                              \
    ({                                                                         \
        const uint64_t pick_[] = {__VA_ARGS__};                                \
        pick_[below(sizeof pick_ / sizeof pick_[0])];                          \
    })

/* Interesting 64-bit numbers: edges of every width, powers of two and
   their neighbours, random words. */
static uint64_t any_u64(void)
{
    switch (below(8)) {
    case 0:
        return PICK(0, 1, 2, 3, 7, 8, 15, 16, 63, 64, 255, 4095, 4096, 4097);
    case 1:
        return PICK(UINT64_MAX, UINT64_MAX - 1, INT64_MAX, (uint64_t)INT64_MIN,
                    UINT32_MAX, (uint64_t)UINT32_MAX + 1, INT32_MAX, 1ull << 52,
                    (1ull << 52) - 1, 1ull << 47, 1ull << 63);
    case 2: {
        uint64_t p = 1ull << below(64);
        return p + PICK(0, 1, (uint64_t)-1);
    }
    case 3:
        return below(1 << 16);
    default:
        return rnd();
    }
}

/* ---- statuses ----------------------------------------------------------------- */

/* Status sets, one bit per status the header defines. S_KERNEL is any
   `SUBSTRATE_ESEL4_BASE - seL4_Error` ("kernel errors"), S_COUNT a byte
   count (>= 0) for the console functions. */
enum {
    S_OK = 1 << 0,
    S_EINVAL = 1 << 1,
    S_ENOMEM = 1 << 2,
    S_ENOSYS = 1 << 3,
    S_EBADCAP = 1 << 4,
    S_EAGAIN = 1 << 5,
    S_EDEADLK = 1 << 6,
    S_EFAULT = 1 << 7,
    S_KERNEL = 1 << 8,
    S_COUNT = 1 << 9,
    S_EPERM = 1 << 10,
    S_EBUSY = 1 << 11,
    S_EPROTO = 1 << 12,
    S_ENOBUFS = 1 << 13,
    S_EPIPE = 1 << 14,
    S_ECONNRESET = 1 << 15,
    S_EADDRINUSE = 1 << 16,
    S_ENOTCONN = 1 << 17,
};

static unsigned status_bit(int64_t s)
{
    switch (s) {
    case SUBSTRATE_OK:
        return S_OK;
    case SUBSTRATE_EINVAL:
        return S_EINVAL;
    case SUBSTRATE_ENOMEM:
        return S_ENOMEM;
    case SUBSTRATE_ENOSYS:
        return S_ENOSYS;
    case SUBSTRATE_EBADCAP:
        return S_EBADCAP;
    case SUBSTRATE_EAGAIN:
        return S_EAGAIN;
    case SUBSTRATE_EDEADLK:
        return S_EDEADLK;
    case SUBSTRATE_EFAULT:
        return S_EFAULT;
    case SUBSTRATE_EPERM:
        return S_EPERM;
    case SUBSTRATE_EBUSY:
        return S_EBUSY;
    case SUBSTRATE_EPROTO:
        return S_EPROTO;
    case SUBSTRATE_ENOBUFS:
        return S_ENOBUFS;
    case SUBSTRATE_EPIPE:
        return S_EPIPE;
    case SUBSTRATE_ECONNRESET:
        return S_ECONNRESET;
    case SUBSTRATE_EADDRINUSE:
        return S_EADDRINUSE;
    case SUBSTRATE_ENOTCONN:
        return S_ENOTCONN;
    }
    /* seL4_Error numbers are 1 .. 10 (seL4_NotEnoughMemory). */
    if (s <= SUBSTRATE_ESEL4_BASE - 1 && s >= SUBSTRATE_ESEL4_BASE - 10)
        return S_KERNEL;
    return 0;
}

static void out_status_set(unsigned set)
{
    static const char *const names[] = {"OK", "EINVAL", "ENOMEM", "ENOSYS", "EBADCAP",
                                        "EAGAIN", "EDEADLK", "EFAULT", "KERNEL", "COUNT",
                                        "EPERM", "EBUSY", "EPROTO", "ENOBUFS", "EPIPE",
                                        "ECONNRESET", "EADDRINUSE", "ENOTCONN"};
    bool first = true;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (set & (1u << i)) {
            out_str(first ? "" : " ");
            out_str(names[i]);
            first = false;
        }
    }
    if (first)
        out_str("nothing");
}

/* ---- hostile classes and the per-function switches ---------------------------- */

/* Hostile classes that can be switched off per function (FUZZ_OFF, for
   narrowing down a finding). The other hostile values (null, wrong types,
   slots C does not own, out-of-range numbers, ...) are always drawn. */
enum {
    X_UNMAPPED = 1 << 0,   /* pointers to unmapped user memory */
    X_KERNEL = 1 << 1,     /* pointers into the kernel half */
    X_NONCANON = 1 << 2,   /* non-canonical pointers */
    X_READONLY = 1 << 3,   /* read-only memory where the call writes */
    X_OVERRUN = 1 << 4,    /* a real buffer, shorter than the length passed */
    X_RIGHTS = 1 << 5,     /* capabilities without the right the invocation needs */
    X_BAD_ENTRY = 1 << 6,  /* thread entries that fault */
    X_MISALIGNED = 1 << 7, /* misaligned pointers */
    X_ALL = (1 << 8) - 1,
};

/* The functions, in the order of substrate.h (the table is at the end). */
enum fn {
    F_ABI_VERSION,
    F_CONSOLE_WRITE,
    F_CONSOLE_READ,
    F_MALLOC,
    F_CALLOC,
    F_ALIGNED_ALLOC,
    F_FREE,
    F_REALLOC,
    F_PAGES_ALLOC,
    F_PAGES_FREE,
    F_SBRK,
    F_EP_SEND,
    F_EP_RECV,
    F_EP_CALL,
    F_EP_REPLY,
    F_IPC_SET_RECEIVE_SLOT,
    F_NTFN_SIGNAL,
    F_NTFN_WAIT,
    F_NTFN_POLL,
    F_UNTYPED_RETYPE,
    F_CNODE_COPY,
    F_CNODE_MINT,
    F_CNODE_DELETE,
    F_FRAME_MAP,
    F_FRAME_UNMAP,
    F_OBJECT_ALLOC,
    F_SLOT_ALLOC,
    F_SLOT_FREE,
    F_MUTEX_INIT,
    F_MUTEX_LOCK,
    F_MUTEX_TRYLOCK,
    F_MUTEX_UNLOCK,
    F_MUTEX_DESTROY,
    F_COND_INIT,
    F_COND_WAIT,
    F_COND_SIGNAL,
    F_COND_BROADCAST,
    F_COND_DESTROY,
    F_THREAD_CREATE,
    F_THREAD_JOIN,
    F_THREAD_SELF,
    F_THREAD_YIELD,
    F_THREAD_SELF_DATA,
    F_THREAD_SET_DATA,
    F_TIME_NS,
    F_TSC_HZ,
    F_SLEEP_UNTIL_NS,
    F_SLEEP_NS,
    F_ALARM_SET,
    F_ALARM_CANCEL,
    F_REALTIME_NS,
    F_MSG_MAX_LABEL,
    F_MAX_BADGE,
    F_SLOT_ALLOC_RANGE,
    F_STATS,
    F_CNODE_SLOTS,
    /* A system component's functions, called here outside a system. */
    F_SYSTEM_RUN,
    F_SYSTEM_NOTIFY,
    F_SYSTEM_CALL,
    F_SYSTEM_MR,
    F_SYSTEM_SET_MR,
    F_SYSTEM_NAME,
    F_SYSTEM_RESTARTS,
    F_SYSTEM_PEER_RESTARTS,
    F_SYSTEM_REGION,
    F_SYSTEM_WAIT,
    F_SYSTEM_REPLY,
    F_SYSTEM_SET_ALARM,
    F_SYSTEM_TSC_HZ,
    F_SYSTEM_BOOT_INFO,
    F_KERNEL_VERSION,
    /* A system component's network stack, outside a system. */
    F_NET_START,
    F_NET_POLL,
    F_NET_PREPARE_WAIT,
    F_NET_DRIVER_RESTARTED,
    F_NET_ADDRESS,
    F_NET_LISTEN,
    F_NET_ACCEPT,
    F_NET_CLOSE_LISTENER,
    F_NET_RECV,
    F_NET_SEND,
    F_NET_CLOSE,
    F_NET_ABORT,
    F_COUNT
};

struct fn_entry {
    const char *name;
    void (*fuzz)(void);  /* draws arguments, makes the call, checks it */
    unsigned documented; /* the statuses the header names (S_*) */
    unsigned classes;    /* hostile classes drawn for it (X_*) */
    unsigned weight;     /* how often it is picked, relative */
};

static const struct fn_entry table[F_COUNT];

/* Classes turned off from the build command line, on top of the table:
   -DFUZZ_OFF='{[F_MUTEX_LOCK] = X_NONCANON, ...}' (for trying what a change
   of the table would do without editing it). */
#ifndef FUZZ_OFF
#define FUZZ_OFF {0}
#endif
static const unsigned fuzz_off[F_COUNT] = FUZZ_OFF;

static bool on(enum fn f, unsigned cls)
{
    return (table[f].classes & ~fuzz_off[f] & cls) != 0;
}

/* ---- the call log ---------------------------------------------------------------- */

static uint64_t calls;              /* calls made so far */
static uint64_t calls_of[F_COUNT];  /* per function */
static enum fn current;             /* the function being fuzzed */

/* The current call's description, and a ring of the last few. */
#define RING 8
static char desc[RING][256];
static size_t desc_len;
static uint64_t desc_call[RING];

static char *cur_desc(void)
{
    return desc[calls % RING];
}

static void desc_add(const char *s)
{
    char *d = cur_desc();
    while (*s && desc_len < sizeof desc[0] - 1)
        d[desc_len++] = *s++;
    d[desc_len] = 0;
}

static void desc_hex(uint64_t v)
{
    char buf[19];
    desc_add(hex(buf, v));
}

/* Starts the description of a call of `f`: `substrate_name(`. */
static void begin(enum fn f)
{
    current = f;
    calls++;
    calls_of[f]++;
    desc_call[calls % RING] = calls;
    desc_len = 0;
    cur_desc()[0] = 0;
    desc_add(table[f].name);
    desc_add("(");
}

static bool first_arg(void)
{
    return cur_desc()[desc_len - 1] == '(';
}

/* One argument: a number, or a tag and a number (`unmapped:0x7f00...`). */
static void arg(const char *tag, uint64_t v)
{
    if (!first_arg())
        desc_add(", ");
    if (tag) {
        desc_add(tag);
        desc_add(":");
    }
    desc_hex(v);
}

/* Ends the description; prints it first when tracing. */
static void made(void)
{
    desc_add(")");
    if (calls + 1 > (uint64_t)FUZZ_TRACE_FROM) {
        out_str("fuzz: call #");
        out_dec((int64_t)calls);
        out_str(": ");
        out_str(cur_desc());
        out_flush();
    }
}

static void print_recent(void)
{
    out_str("fuzz: recent calls:");
    out_flush();
    for (uint64_t n = calls > RING - 1 ? calls - (RING - 1) : 1; n <= calls; n++) {
        out_str("fuzz:   #");
        out_dec((int64_t)n);
        out_str(" ");
        out_str(desc[n % RING]);
        out_flush();
    }
}

static void fail_exit(void)
{
    print_recent();
    out_str("fuzz: seed ");
    out_hex((uint64_t)FUZZ_SEED);
    out_str(", failed after ");
    out_dec((int64_t)calls);
    out_str(" calls");
    out_flush();
    substrate_exit(1);
}

/* What the fuzzer knows about a call's arguments. */
enum expect {
    ANY,      /* any documented status */
    MUST_FAIL, /* an argument the doc says is refused: not OK */
    MUST_OK,  /* every argument good: OK (or ENOMEM where documented) */
};

static void refuse(int64_t s, unsigned allowed);

/* Fails the run unless `s` is a status the current function may return. */
static void check(int64_t s, enum expect e)
{
    unsigned allowed = table[current].documented;
    if (e == MUST_FAIL)
        allowed &= ~(unsigned)(S_OK | S_COUNT);
    if (e == MUST_OK)
        allowed &= S_OK | S_ENOMEM | S_COUNT;
    unsigned got = status_bit(s);
    if (s > 0 && (allowed & S_COUNT))
        got = S_COUNT;
    if (got & allowed)
        return;
    refuse(s, allowed);
}

/* Fails the run unless `s` is one of `reasons` (S_* bits): the refusals
   the doc names for the bad arguments the fuzzer drew (EINVAL for a
   length out of range, EFAULT for a pointer to no memory, EBADCAP for a
   capability that is not C's, ...). Which of several reasons the ABI
   reports first is its own order; a reason the function's doc does not
   name fails the run, too. With no reason, as check(s, e). */
static void check_why(int64_t s, unsigned reasons, enum expect e)
{
    if (!reasons) {
        check(s, e);
        return;
    }
    unsigned allowed = reasons & table[current].documented;
    if (status_bit(s) & allowed)
        return;
    refuse(s, reasons);
}

static void refuse(int64_t s, unsigned allowed)
{
    out_str("fuzz: FAILED call #");
    out_dec((int64_t)calls);
    out_str(": ");
    out_str(cur_desc());
    out_str(" returned ");
    out_dec(s);
    out_str(" (allowed: ");
    out_status_set(allowed);
    out_str(")");
    out_flush();
    fail_exit();
}

/* A result that is wrong in another way than its status. */
static void wrong(const char *what)
{
    out_str("fuzz: FAILED call #");
    out_dec((int64_t)calls);
    out_str(": ");
    out_str(cur_desc());
    out_str(": ");
    out_str(what);
    out_flush();
    fail_exit();
}

/* ---- pointers ----------------------------------------------------------------------- */

/* A pointer argument: `p` and how it was made. */
struct ptr {
    void *p;
    const char *tag; /* NULL for a good pointer */
    bool deref_faults; /* the memory is not there (or not writable, for results) */
};

static uint8_t ro_page_present;

static uint64_t call_tag(void)
{
    return ((calls + 1) & 0xffffff) * 16; /* the number the next call gets */
}

/* A hostile pointer for function `f`, or a good one (`good`, which must hold
   `need` bytes, aligned to `align`) when the draw says so. `writes`: the
   call writes through it (read-only memory then faults). */
static struct ptr gen_ptr(enum fn f, void *good, unsigned align, bool writes)
{
    struct ptr r = {good, NULL, false};
    for (;;) {
        switch (below(12)) {
        case 0:
            r = (struct ptr){NULL, "null", false};
            return r;
        case 1:
            if (align > 1 && on(f, X_MISALIGNED)) {
                r = (struct ptr){(uint8_t *)good + 1 + below(align - 1), "misaligned", false};
                return r;
            }
            continue;
        case 2:
            if (!on(f, X_UNMAPPED))
                continue;
            r = (struct ptr){(void *)(uintptr_t)(UNMAPPED_BASE + call_tag()), "unmapped", true};
            return r;
        case 3:
            if (!on(f, X_KERNEL))
                continue;
            r = (struct ptr){(void *)(uintptr_t)(KERNEL_BASE + call_tag()), "kernel", true};
            return r;
        case 4:
            if (!on(f, X_NONCANON))
                continue;
            r = (struct ptr){(void *)(uintptr_t)(NONCANON_BASE + call_tag()), "noncanonical", true};
            return r;
        case 5:
            if (!on(f, X_READONLY) || !ro_page_present)
                continue;
            /* Readable zeroes: only a write faults. */
            r = (struct ptr){(void *)(uintptr_t)(VA_READONLY + (below(PAGE / 64) * 64)),
                             "readonly", writes};
            return r;
        default:
            return r;
        }
    }
}

static bool is_good(struct ptr p)
{
    return p.tag == NULL;
}

static uint64_t read_result(struct ptr p)
{
    uint64_t v;
    memcpy(&v, p.p, sizeof v);
    return v;
}

/* Whether the ABI must refuse `p` with EFAULT for an access of `bytes`
   bytes (`writes`: it writes them) to values aligned to `align`: a
   pointer to no memory, a misaligned one, the read-only page written or
   read past its end. Never for 0 bytes (nothing is accessed). Null
   pointers are the callers' business (most functions say EINVAL). */
static bool faults(struct ptr p, uint64_t bytes, unsigned align, bool writes)
{
    if (bytes == 0 || p.p == NULL)
        return false;
    uint64_t a = (uint64_t)(uintptr_t)p.p;
    if (align > 1 && a % align)
        return true;
    if (p.tag == NULL || strcmp(p.tag, "misaligned") == 0)
        return false;
    if (strcmp(p.tag, "readonly") == 0)
        return writes || bytes > VA_READONLY + PAGE - a;
    return p.deref_faults;
}

static void arg_ptr(struct ptr p)
{
    arg(p.tag, (uint64_t)(uintptr_t)p.p);
}

/* ---- the fuzzer's capabilities and slots --------------------------------------------- */

/* What a slot the fuzzer owns holds. */
enum held { H_EMPTY, H_UNTYPED, H_TCB, H_EP, H_NTFN, H_CNODE, H_FRAME, H_LFRAME, H_UNKNOWN };

static enum held held_of_obj(uint32_t type)
{
    switch (type) {
    case SUBSTRATE_OBJ_UNTYPED:
        return H_UNTYPED;
    case SUBSTRATE_OBJ_TCB:
        return H_TCB;
    case SUBSTRATE_OBJ_ENDPOINT:
        return H_EP;
    case SUBSTRATE_OBJ_NOTIFICATION:
        return H_NTFN;
    case SUBSTRATE_OBJ_CNODE:
        return H_CNODE;
    case SUBSTRATE_OBJ_FRAME:
        return H_FRAME;
    case SUBSTRATE_OBJ_LARGE_FRAME:
        return H_LFRAME;
    }
    return H_UNKNOWN;
}

struct own {
    uint64_t slot;
    uint8_t held;
    uint8_t rights;     /* SUBSTRATE_RIGHT_* of the capability */
    uint8_t abi_rights; /* what the ABI knows of them: the rights it has at
                           most (all for one received, masked by copies) */
    uint8_t original;   /* made by object_alloc/retype (not a copy) */
    uint8_t handed;     /* from slot_alloc/object_alloc: slot_free takes it */
    uint8_t large;      /* a 2 MiB frame the runtime knows as such */
    uint8_t received;   /* received over IPC (or copied from such): its rights
                           are the sender's, which the ABI cannot know */
    uint8_t ut_bits;    /* untyped: size_bits */
    uint32_t object;    /* which object (copies share it); 0: none */
    uint64_t va;        /* frames: where mapped, 0 if not */
};

#define MAX_OWN 48
static struct own own[MAX_OWN];
static unsigned n_own;
static uint32_t next_object = 1;
static uint64_t first_free_slot; /* the first slot_alloc: below are the runtime's */
static uint64_t highest_handed;  /* every slot above it is the allocator's */
static uint64_t freed_slots[16]; /* slots given back (the runtime may reuse them) */
static unsigned n_freed;

static void note_handed(uint64_t slot)
{
    if (slot > highest_handed)
        highest_handed = slot;
}

static struct own *own_add(uint64_t slot, enum held h, bool handed)
{
    if (n_own == MAX_OWN)
        return NULL;
    struct own *o = &own[n_own++];
    *o = (struct own){.slot = slot, .held = (uint8_t)h, .rights = SUBSTRATE_RIGHTS_ALL,
                      .abi_rights = SUBSTRATE_RIGHTS_ALL,
                      .original = h != H_EMPTY, .handed = handed,
                      .object = h == H_EMPTY ? 0 : next_object++};
    if (handed)
        note_handed(slot);
    return o;
}

static uint64_t main_rslot; /* the receive slot main set last (owned, or trash_slot) */
static uint64_t trash_slot; /* where main receives what it does not keep (emptied after) */

/* Receive nothing that stays: into trash_slot, which is emptied after
   every receive. (Not slot 0: see FINDING 12.) */
static void receive_none(void)
{
    substrate_ipc_set_receive_slot(trash_slot);
    main_rslot = trash_slot;
}

static void empty_trash(void)
{
    if (main_rslot == trash_slot)
        substrate_cnode_delete(trash_slot);
}

static void own_remove(struct own *o)
{
    if (o->slot == main_rslot) {
        /* Not into a slot that goes back to the runtime. */
        receive_none();
    }
    if (n_freed < sizeof freed_slots / sizeof freed_slots[0])
        freed_slots[n_freed++] = o->slot;
    else
        freed_slots[below(n_freed)] = o->slot;
    *o = own[--n_own];
}

static struct own *own_find(uint64_t slot)
{
    for (unsigned i = 0; i < n_own; i++)
        if (own[i].slot == slot)
            return &own[i];
    return NULL;
}

/* A random owned slot holding `h` (H_UNKNOWN: anything), or NULL. */
static struct own *own_pick(int h)
{
    unsigned n = 0;
    for (unsigned i = 0; i < n_own; i++)
        n += h < 0 || own[i].held == h;
    if (n == 0)
        return NULL;
    unsigned k = (unsigned)below(n);
    for (unsigned i = 0; i < n_own; i++)
        if ((h < 0 || own[i].held == h) && k-- == 0)
            return &own[i];
    return NULL;
}

/* A live original (all rights) of the object `o` refers to, if any. */
static struct own *own_original(uint32_t object)
{
    for (unsigned i = 0; i < n_own; i++)
        if (own[i].object == object && own[i].original)
            return &own[i];
    return NULL;
}

/* The kind of cap a slot argument names, as far as the fuzzer knows. */
enum capclass {
    C_OWN,      /* an owned slot (see `o`) */
    C_NULL,     /* slot 0 */
    C_INIT,     /* the initial thread's caps, 1 .. 11 */
    C_RUNTIME,  /* the runtime's slots: 12 .. first free, and slots C gave back */
    C_UNHANDED, /* free slots the allocator has not handed out */
    C_BEYOND,   /* beyond the CNode */
    C_SERVER,   /* server_ep or a copy of it (IPC with the peer) */
};

struct capref {
    uint64_t slot;
    enum capclass cls;
    struct own *o;
};

/* A slot argument: one of the fuzzer's, or a slot C does not own (slot 0,
   the initial thread's caps, the runtime's slots, slots C gave back, slots
   the allocator has not handed out, slots beyond the CNode). The C ABI
   refuses every slot C does not own before it invokes anything, as a
   capability argument (EBADCAP) and as a destination (EPERM), so all of
   them are drawn for every call. */
static struct capref gen_cap(void)
{
    for (;;) {
        unsigned k = (unsigned)below(20);
        if (k < 11) {
            struct own *o = own_pick(-1);
            if (!o)
                continue;
            return (struct capref){o->slot, C_OWN, o};
        }
        switch (k) {
        case 11:
            return (struct capref){0, C_NULL, NULL};
        case 12:
        case 13:
            return (struct capref){1 + below(11), C_INIT, NULL};
        case 14:
        case 15: {
            /* The runtime's endpoints, notifications, frames, untyped;
               slots C gave back (the runtime may have used them since). */
            uint64_t s;
            if (n_freed && chance(30))
                s = freed_slots[below(n_freed)];
            else
                s = 12 + below(first_free_slot - 12);
            if (own_find(s))
                continue;
            return (struct capref){s, C_RUNTIME, NULL};
        }
        case 16:
        case 17: {
            /* Mostly empty, but the allocator hands slots to the runtime
               too (thread objects, mutex notifications, page tables). */
            uint64_t s = highest_handed + 1 + below(chance(50) ? 8 : CNODE_SLOTS);
            if (s >= CNODE_SLOTS)
                s = highest_handed + 1;
            if (s >= CNODE_SLOTS)
                continue;
            return (struct capref){s, C_UNHANDED, NULL};
        }
        default: {
            uint64_t s = PICK(CNODE_SLOTS, CNODE_SLOTS + 1, 1ull << 16, 1ull << 32,
                              1ull << 52, 1ull << 62, 1ull << 63, UINT64_MAX,
                              UINT64_MAX - 1, rnd() | (1ull << 40));
            return (struct capref){s, C_BEYOND, NULL};
        }
        }
    }
}

/* Whether C owns the slot (it came from slot_alloc or object_alloc and was
   not given back). */
static bool owned(struct capref c)
{
    return c.cls == C_OWN || c.cls == C_SERVER;
}

/* The refusal a slot C does not own gets: EBADCAP as a capability
   argument, EPERM as a destination (0 if C owns it). */
static unsigned not_owned(struct capref c, bool dest)
{
    if (owned(c))
        return 0;
    return dest ? S_EPERM : S_EBADCAP;
}

static int types_known; /* substrate_cap_types_known() */

/* A capability received over IPC (or copied from one) on a kernel where the
   ABI cannot tell its type: only sends and calls take it. */
static bool unknown_received(struct capref c)
{
    return c.cls == C_OWN && c.o->received && !types_known;
}

/* What the fuzzer knows of a cap's type: 1 yes, 0 no (a slot C does not own
   is no capability of any type for the C ABI, nor is a received one of
   unknown type but for sends and calls), -1 cannot tell. */
static int cap_is(struct capref c, enum held want)
{
    if (unknown_received(c) && want != H_EP)
        return 0;
    switch (c.cls) {
    case C_OWN:
        if (c.o->held == H_UNKNOWN)
            return -1;
        if (want == H_FRAME)
            return c.o->held == H_FRAME || c.o->held == H_LFRAME;
        return c.o->held == want;
    case C_SERVER:
        return want == H_EP;
    default:
        return 0;
    }
}

/* EBADCAP as a possible refusal, for a capability whose type the fuzzer
   cannot tell (`want` or not), where the call is refused anyway (`why`):
   which refusal comes first is the ABI's order. */
static unsigned maybe_not(struct capref c, enum held want, unsigned why)
{
    return why && cap_is(c, want) == -1 ? S_EBADCAP : 0;
}

/* Whether the slot holds a capability C may use: 1 or 0. */
static int cap_present(struct capref c)
{
    switch (c.cls) {
    case C_OWN:
        return c.o->held != H_EMPTY;
    case C_SERVER:
        return 1;
    default:
        return 0;
    }
}

static uint64_t server_ep, server_ep_ro, server_ep_wo;

static void arg_cap(struct capref c)
{
    static const char *const held_names[] = {"empty", "untyped", "tcb", "ep", "ntfn",
                                             "cnode", "frame", "lframe", "unknown"};
    const char *tag;
    char buf[24];
    switch (c.cls) {
    case C_OWN:
        tag = held_names[c.o->held];
        if (c.o->rights != SUBSTRATE_RIGHTS_ALL) {
            /* e.g. "ntfn/r5" for a copy with rights 5 */
            size_t n = strlen(tag);
            memcpy(buf, tag, n);
            buf[n++] = '/';
            buf[n++] = 'r';
            buf[n++] = "0123456789abcdef"[c.o->rights & 15];
            buf[n] = 0;
            tag = buf;
        }
        break;
    case C_NULL:
        tag = "slot0";
        break;
    case C_INIT:
        tag = "init";
        break;
    case C_RUNTIME:
        tag = "runtime";
        break;
    case C_UNHANDED:
        tag = "unhanded";
        break;
    case C_SERVER:
        tag = c.slot == server_ep ? "server_ep" : c.slot == server_ep_ro ? "server_ep/ro" : "server_ep/wo";
        break;
    default:
        tag = "beyond";
        break;
    }
    arg(tag, c.slot);
}

/* An owned slot that the fuzzer can fill: an empty one, or a new one from
   substrate_slot_alloc. NULL if the table is (nearly) full. */
static void fz_release(struct own *o);

static struct own *own_empty(void)
{
    struct own *o = own_pick(H_EMPTY);
    if (o)
        return o;
    /* Nothing is released here: callers hold pointers into the table. */
    if (n_own >= MAX_OWN - 4)
        return NULL;
    uint64_t s;
    int r = substrate_slot_alloc(&s);
    if (r != SUBSTRATE_OK)
        return NULL;
    struct own *n = own_add(s, H_EMPTY, true);
    if (!n)
        substrate_slot_free(s);
    return n;
}

/* ---- infrastructure: objects the fuzzer keeps out of its pool -------------------- */

/* server_ep: the peer receives and sends here; server_ep_ro/_wo: copies
   of it with the read right only, and without it (declared above). */
static uint64_t peer_go;        /* main -> peer: a command is ready */
static uint64_t peer_done;      /* peer -> main: it is done */
static uint64_t peer_rslot;     /* the peer's receive slot */
static uint64_t ro_frame;
static substrate_thread_t peer_thread;

/* Runs a setup call that must succeed (not a fuzzed call). */
static void must(int64_t r, const char *what)
{
    if (r == SUBSTRATE_OK)
        return;
    out_str("fuzz: FAILED setup: ");
    out_str(what);
    out_str(" returned ");
    out_dec(r);
    out_str(" after call #");
    out_dec((int64_t)calls);
    out_flush();
    fail_exit();
}

/* ---- the peer thread -------------------------------------------------------------- */

/* The other side of IPC, mutex and condition-variable calls: it runs one
   command at a time, which main writes here before signalling peer_go. */
enum peer_op {
    P_NONE,
    P_RECV_REPLY, /* ep_recv on server_ep, then ep_reply */
    P_SEND,       /* ep_send on server_ep */
    P_CALL,       /* ep_call on server_ep */
    P_SIGNAL,     /* ntfn_signal */
    P_LOCK,       /* mutex_lock */
    P_UNLOCK,     /* mutex_unlock */
    P_COND_SIGNAL, /* lock m, set flag, cond_signal c, unlock m */
    P_COND_WAIT,  /* lock m, ready = 1, cond_wait until flag, unlock m */
};

static struct {
    volatile int op;
    uint64_t cap;
    uint64_t label;
    uint64_t msg[SUBSTRATE_MSG_MAX_LENGTH];
    size_t len;
    uint64_t caps[SUBSTRATE_MSG_MAX_CAPS];
    size_t ncaps;
    substrate_mutex_t *m;
    substrate_cond_t *c;
    volatile int flag, ready;
    /* results */
    volatile int status[2];
    substrate_msginfo_t info;
    uint64_t got[SUBSTRATE_MSG_MAX_LENGTH];
    volatile int busy; /* between peer_go and peer_done */
} peer;

static void *peer_main(void *arg)
{
    (void)arg;
    if (substrate_ipc_set_receive_slot(peer_rslot) != SUBSTRATE_OK)
        return (void *)1;
    for (;;) {
        uint64_t badge;
        if (substrate_ntfn_wait(peer_go, &badge) != SUBSTRATE_OK)
            return (void *)1;
        int st0 = 0, st1 = 0;
        switch (peer.op) {
        case P_RECV_REPLY:
            st0 = substrate_ep_recv(server_ep, peer.got, SUBSTRATE_MSG_MAX_LENGTH, &peer.info);
            if (st0 == SUBSTRATE_OK && peer.info.extra_caps > 0 && !(peer.info.caps_unwrapped & 1))
                substrate_cnode_delete(peer_rslot);
            st1 = substrate_ep_reply(peer.label, peer.msg, peer.len);
            break;
        case P_SEND:
            st0 = substrate_ep_send(server_ep, peer.label, peer.msg, peer.len, peer.caps,
                                    peer.ncaps);
            break;
        case P_CALL:
            st0 = substrate_ep_call(server_ep, peer.label, peer.msg, peer.len, peer.caps,
                                    peer.ncaps, peer.got, SUBSTRATE_MSG_MAX_LENGTH, &peer.info);
            if (st0 == SUBSTRATE_OK && peer.info.extra_caps > 0 && !(peer.info.caps_unwrapped & 1))
                substrate_cnode_delete(peer_rslot);
            break;
        case P_SIGNAL:
            st0 = substrate_ntfn_signal(peer.cap);
            break;
        case P_LOCK:
            st0 = substrate_mutex_lock(peer.m);
            break;
        case P_UNLOCK:
            st0 = substrate_mutex_unlock(peer.m);
            break;
        case P_COND_SIGNAL:
            st0 = substrate_mutex_lock(peer.m);
            peer.flag = 1;
            st1 = substrate_cond_signal(peer.c);
            if (st0 == SUBSTRATE_OK)
                st0 = substrate_mutex_unlock(peer.m);
            break;
        case P_COND_WAIT:
            st0 = substrate_mutex_lock(peer.m);
            peer.ready = 1;
            while (st0 == SUBSTRATE_OK && !peer.flag)
                st0 = substrate_cond_wait(peer.c, peer.m);
            st1 = substrate_mutex_unlock(peer.m);
            break;
        }
        peer.status[0] = st0;
        peer.status[1] = st1;
        peer.op = P_NONE;
        __atomic_store_n(&peer.busy, 0, __ATOMIC_RELEASE);
        substrate_ntfn_signal(peer_done);
    }
}

/* Hands the peer a command (filled in `peer` by the caller). */
static void peer_start(enum peer_op op)
{
    peer.op = op;
    peer.busy = 1;
    must(substrate_ntfn_signal(peer_go), "signal the peer");
}

/* Whether the peer finished its command, giving it the processor a few
   times first (it runs at main's priority). */
static bool peer_finished(void)
{
    for (int i = 0; i < 100; i++) {
        if (!__atomic_load_n(&peer.busy, __ATOMIC_ACQUIRE))
            break;
        substrate_thread_yield();
    }
    if (__atomic_load_n(&peer.busy, __ATOMIC_ACQUIRE))
        return false;
    uint64_t badge;
    must(substrate_ntfn_wait(peer_done, &badge), "wait for the peer");
    return true;
}

/* A status the peer got for a call main set up: one of `allowed`. */
static void peer_check(int st, unsigned allowed, const char *what)
{
    if (status_bit(st) & allowed)
        return;
    out_str("fuzz: FAILED peer's ");
    out_str(what);
    out_str(" returned ");
    out_dec(st);
    out_str(" (allowed: ");
    out_status_set(allowed);
    out_str(") for call #");
    out_dec((int64_t)calls);
    out_str(": ");
    out_str(cur_desc());
    out_flush();
    fail_exit();
}

/* ---- heap blocks ------------------------------------------------------------------ */

struct block {
    uint8_t *p;
    size_t size;
    uint8_t fill;
    uint8_t pages; /* from pages_alloc: size is npages */
    size_t align;  /* the alignment it was made with (16 at least) */
};

#define MAX_BLOCKS 24
static struct block blocks[MAX_BLOCKS];
static unsigned n_blocks;

static void block_fill(struct block *b)
{
    size_t n = b->pages ? b->size * PAGE : b->size;
    if (n > 256)
        n = 256;
    memset(b->p, b->fill, n);
}

static bool block_intact(const struct block *b)
{
    size_t n = b->pages ? b->size * PAGE : b->size;
    if (n > 256)
        n = 256;
    for (size_t i = 0; i < n; i++)
        if (b->p[i] != b->fill)
            return false;
    return true;
}

static struct block *block_pick(bool pages)
{
    unsigned n = 0;
    for (unsigned i = 0; i < n_blocks; i++)
        n += blocks[i].pages == pages;
    if (!n)
        return NULL;
    unsigned k = (unsigned)below(n);
    for (unsigned i = 0; i < n_blocks; i++)
        if (blocks[i].pages == pages && k-- == 0)
            return &blocks[i];
    return NULL;
}

static void block_remove(struct block *b)
{
    *b = blocks[--n_blocks];
}

static void block_keep(void *p, size_t size, bool pages, size_t align)
{
    if (n_blocks == MAX_BLOCKS) {
        if (pages)
            substrate_pages_free(p, size);
        else
            substrate_free(p);
        return;
    }
    struct block *b = &blocks[n_blocks++];
    *b = (struct block){p, size, (uint8_t)(0x11 + below(200)), pages, align};
    block_fill(b);
}

/* A size: mostly small, sometimes edges and huge values. */
static size_t gen_size(void)
{
    if (chance(75))
        return (size_t)PICK(0, 1, 8, 15, 16, 17, 100, 1000, 4096, 8000) + below(64);
    return (size_t)any_u64();
}

/* Blocks small enough to keep (larger ones are freed at once, so that
   valid calls do not run out of the 2 MiB heap): `size` bytes aligned to
   `align` take about `size + align` (the header sits an alignment before
   the block), and a realloc of one needs that again while the old block
   is still there. */
static bool keepable(size_t size, size_t align)
{
    return size <= 16384 && align <= 4096;
}

/* ---- mutexes and condition variables ------------------------------------------------ */

enum mstate { M_GARBAGE, M_FREE, M_MINE, M_PEERS, M_DESTROYED };

#define MAX_MUTEX 6
static substrate_mutex_t mutexes[MAX_MUTEX];
static uint8_t mstate[MAX_MUTEX];

enum cstate { CV_GARBAGE, CV_LIVE, CV_DESTROYED };

#define MAX_COND 4
static substrate_cond_t conds[MAX_COND];
static uint8_t cstate[MAX_COND];

static void scribble(void *p, size_t n)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)rnd();
}

/* A mutex argument: one of the fuzzer's (index in *which, -1 otherwise) or
   a hostile pointer. */
static struct ptr gen_mutex(enum fn f, int *which)
{
    int i = (int)below(MAX_MUTEX);
    struct ptr p = gen_ptr(f, &mutexes[i], 8, f == F_MUTEX_INIT);
    if (is_good(p)) {
        *which = i;
        return p;
    }
    *which = -1;
    if (f != F_MUTEX_INIT && chance(20)) {
        /* Another object where a mutex is wanted. */
        p = (struct ptr){&conds[below(MAX_COND)], "cond", false};
    }
    return p;
}

static struct ptr gen_cond(enum fn f, int *which)
{
    int i = (int)below(MAX_COND);
    struct ptr p = gen_ptr(f, &conds[i], 8, f == F_COND_INIT);
    if (is_good(p)) {
        *which = i;
        return p;
    }
    *which = -1;
    if (f != F_COND_INIT && chance(20))
        p = (struct ptr){&mutexes[below(MAX_MUTEX)], "mutex", false};
    return p;
}

/* ---- threads ---------------------------------------------------------------------- */

#define MAX_THREADS 3
static struct {
    substrate_thread_t handle;
    uintptr_t arg;
    int kind; /* which entry */
} threads[MAX_THREADS];
static unsigned n_threads;
static substrate_thread_t joined[8]; /* handles joined already */
static unsigned n_joined;

static void *entry_return(void *arg)
{
    return (void *)((uintptr_t)arg ^ 0x5a5a);
}

static void *entry_yield(void *arg)
{
    for (int i = 0; i < 3; i++)
        substrate_thread_yield();
    return (void *)((uintptr_t)arg ^ 0x5a5a);
}

/* Calls into the ABI from another thread: its own data pointer and handle. */
static void *entry_abi(void *arg)
{
    if (substrate_thread_self_data() != NULL)
        return (void *)1;
    if (substrate_thread_set_data(arg) != SUBSTRATE_OK)
        return (void *)2;
    if (substrate_thread_self() == 0)
        return (void *)3;
    void *p = substrate_malloc(32);
    substrate_free(p);
    return substrate_thread_self_data() == arg ? (void *)((uintptr_t)arg ^ 0x5a5a) : (void *)4;
}

static void *(*const entries[])(void *) = {entry_return, entry_yield, entry_abi};

static void note_joined(substrate_thread_t t)
{
    if (n_joined < sizeof joined / sizeof joined[0])
        joined[n_joined++] = t;
    else
        joined[below(n_joined)] = t;
}

/* ============================================================================ */
/* One function per entry of substrate.h: draw arguments, call, check.          */
/* ============================================================================ */

/* ---- version, console ---- */

static void fz_abi_version(void)
{
    begin(F_ABI_VERSION);
    made();
    if (substrate_abi_version() != SUBSTRATE_ABI_VERSION)
        wrong("not SUBSTRATE_ABI_VERSION");
}

/* The refusals of a console buffer (`writes`: read into it). */
static unsigned console_why(struct ptr p, size_t len, bool writes)
{
    if (len > INTPTR_MAX || (p.p == NULL && len > 0))
        return S_EINVAL;
    return faults(p, len, 1, writes) ? S_EFAULT : 0;
}

static const uint8_t spaces[16] = "                ";

static void fz_console_write(void)
{
    /* Good output is a few spaces (the console stays readable). */
    struct ptr p = gen_ptr(F_CONSOLE_WRITE, (void *)spaces, 1, false);
    size_t len = below(4) ? below(sizeof spaces) : (size_t)any_u64();
    /* A real buffer with a longer length would print the memory behind it
       until it faults: not even with X_OVERRUN. */
    if (is_good(p) && len > sizeof spaces && len <= INTPTR_MAX)
        len = sizeof spaces;
    /* The read-only page is readable to its end: a longer length overruns it. */
    if (p.tag && strcmp(p.tag, "readonly") == 0 && len <= INTPTR_MAX &&
        len > VA_READONLY + PAGE - (uint64_t)(uintptr_t)p.p && !on(F_CONSOLE_WRITE, X_OVERRUN))
        len = VA_READONLY + PAGE - (uint64_t)(uintptr_t)p.p;
    begin(F_CONSOLE_WRITE);
    arg_ptr(p);
    arg(NULL, len);
    made();
    ptrdiff_t r = substrate_console_write(p.p, len);
    unsigned why = console_why(p, len, false);
    check_why(r, why, ANY);
    if (!why && r != (ptrdiff_t)len)
        wrong("did not return len");
}

static void fz_console_read(void)
{
    /* Only the forms that return without input (see the header comment). */
    uint8_t buf[8];
    struct ptr p = gen_ptr(F_CONSOLE_READ, buf, 1, true);
    size_t len;
    switch (below(4)) {
    case 0:
        len = 0;
        break;
    case 1:
        len = (size_t)INTPTR_MAX + 1 + below(1000);
        break;
    case 2:
        /* A buffer that is not the program's (refused before reading). */
        while (!faults(p, 1, 1, true))
            p = gen_ptr(F_CONSOLE_READ, buf, 1, true);
        len = 1 + (size_t)below(100);
        break;
    default:
        p = (struct ptr){NULL, "null", false};
        len = 1 + (size_t)below(100);
        break;
    }
    begin(F_CONSOLE_READ);
    arg_ptr(p);
    arg(NULL, len);
    made();
    ptrdiff_t r = substrate_console_read(p.p, len);
    check_why(r, console_why(p, len, true), ANY);
    if (len == 0 && r != 0)
        wrong("len 0 did not return 0");
}

/* ---- heap ---- */

static void heap_result(void *p, size_t size, size_t align)
{
    if (p == NULL)
        return;
    if ((uintptr_t)p % align)
        wrong("misaligned block");
    if (keepable(size, align))
        block_keep(p, size, false, align);
    else
        substrate_free(p);
}

static void fz_malloc(void)
{
    size_t size = gen_size();
    begin(F_MALLOC);
    arg(NULL, size);
    made();
    void *p = substrate_malloc(size);
    if (p == NULL && size <= 16384)
        wrong("NULL for a small size");
    heap_result(p, size, 16);
}

static void fz_calloc(void)
{
    size_t n = chance(70) ? below(64) : (size_t)any_u64();
    size_t size = gen_size();
    size_t total;
    bool overflow = __builtin_mul_overflow(n, size, &total);
    begin(F_CALLOC);
    arg(NULL, n);
    arg(NULL, size);
    made();
    uint8_t *p = substrate_calloc(n, size);
    if (overflow && p != NULL)
        wrong("a block for an overflowing n * size");
    if (p != NULL) {
        size_t check_n = total < 4096 ? total : 4096;
        for (size_t i = 0; i < check_n; i++)
            if (p[i] != 0)
                wrong("not zeroed");
    }
    heap_result(p, total, 16);
}

static void fz_aligned_alloc(void)
{
    size_t align = chance(70) ? (size_t)1 << below(14) : (size_t)any_u64();
    size_t size = gen_size();
    begin(F_ALIGNED_ALLOC);
    arg(NULL, align);
    arg(NULL, size);
    made();
    void *p = substrate_aligned_alloc(align, size);
    bool pow2 = align && !(align & (align - 1));
    if (!pow2 && p != NULL)
        wrong("a block for an alignment that is not a power of two");
    heap_result(p, size, pow2 && align > 16 ? align : 16);
}

/* A pointer that is not a live block: hostile for free and realloc. */
static struct ptr gen_not_a_block(enum fn f)
{
    static uint64_t not_heap[8];
    struct block *b = block_pick(false);
    switch (below(5)) {
    case 0:
        return (struct ptr){(uint8_t *)not_heap + 16 * below(3), "static", false};
    case 1:
        if (b)
            return (struct ptr){b->p + 16 * (1 + below(b->size / 16 + 1)), "inside", false};
        break;
    case 2:
        if (b)
            return (struct ptr){b->p + 1 + below(15), "misaligned", false};
        break;
    default:
        break;
    }
    struct ptr p = gen_ptr(f, not_heap, 16, false);
    if (is_good(p))
        p = (struct ptr){(uint8_t *)not_heap + 16, "static", false};
    return p;
}

static void fz_free(void)
{
    struct block *b = block_pick(false);
    if (b && chance(60)) {
        if (!block_intact(b))
            wrong("a live block changed");
        begin(F_FREE);
        arg(NULL, (uint64_t)(uintptr_t)b->p);
        made();
        void *p = b->p;
        substrate_free(p);
        block_remove(b);
        if (chance(20)) {
            /* Freed twice, before anything else could reuse it. */
            begin(F_FREE);
            arg("freed", (uint64_t)(uintptr_t)p);
            made();
            substrate_free(p);
        }
        return;
    }
    struct ptr p = gen_not_a_block(F_FREE);
    begin(F_FREE);
    arg_ptr(p);
    made();
    substrate_free(p.p);
}

static void fz_realloc(void)
{
    size_t size = gen_size();
    struct block *b = block_pick(false);
    if (b && chance(60)) {
        if (!block_intact(b))
            wrong("a live block changed");
        begin(F_REALLOC);
        arg(NULL, (uint64_t)(uintptr_t)b->p);
        arg(NULL, size);
        made();
        uint8_t *q = substrate_realloc(b->p, size);
        if (q == NULL) {
            /* Kept blocks are small; the realloc needs a block like it. */
            if (keepable(size, b->align))
                wrong("NULL for a small size");
            if (!block_intact(b))
                wrong("a failed realloc changed the block");
            return;
        }
        if ((uintptr_t)q % b->align)
            wrong("the block lost its alignment");
        size_t keep = size < b->size ? size : b->size;
        if (keep > 256)
            keep = 256;
        for (size_t i = 0; i < keep; i++)
            if (q[i] != b->fill)
                wrong("contents not kept");
        size_t align = b->align;
        block_remove(b);
        heap_result(q, size, align);
        return;
    }
    struct ptr p = chance(30) ? (struct ptr){NULL, NULL, false} : gen_not_a_block(F_REALLOC);
    begin(F_REALLOC);
    arg_ptr(p);
    arg(NULL, size);
    made();
    void *q = substrate_realloc(p.p, size);
    if (p.p == NULL)
        heap_result(q, size, 16);
    else if (q != NULL)
        wrong("a block for a pointer that is not one");
}

static void fz_pages_alloc(void)
{
    size_t n = chance(80) ? below(4) : (size_t)any_u64();
    begin(F_PAGES_ALLOC);
    arg(NULL, n);
    made();
    void *p = substrate_pages_alloc(n);
    if (n == 0 && p != NULL)
        wrong("pages for npages 0");
    if (p == NULL)
        return;
    if ((uintptr_t)p % PAGE)
        wrong("not page-aligned");
    for (size_t i = 0; i < PAGE; i++)
        if (((uint8_t *)p)[i])
            wrong("not zeroed");
    if (n <= 4) {
        block_keep(p, n, true, PAGE);
    } else {
        begin(F_PAGES_FREE);
        arg(NULL, (uint64_t)(uintptr_t)p);
        arg(NULL, n);
        made();
        check(substrate_pages_free(p, n), MUST_OK);
    }
}

static void fz_pages_free(void)
{
    struct block *b = block_pick(true);
    if (b && chance(50)) {
        /* The right count, or a wrong one (refused, nothing freed). */
        size_t n = chance(70) ? b->size : (size_t)PICK(0, b->size + 1, b->size - 1, SIZE_MAX);
        begin(F_PAGES_FREE);
        arg(NULL, (uint64_t)(uintptr_t)b->p);
        arg(NULL, n);
        made();
        int r = substrate_pages_free(b->p, n);
        check(r, n == b->size ? MUST_OK : MUST_FAIL);
        if (r == SUBSTRATE_OK)
            block_remove(b);
        return;
    }
    /* Never dereferenced: every pointer class is safe here. */
    struct ptr p;
    static uint8_t page_like[2 * PAGE] __attribute__((aligned(PAGE)));
    switch (below(4)) {
    case 0:
        p = (struct ptr){b ? b->p + PAGE : page_like, "not-pages", false};
        break;
    case 1:
        p = (struct ptr){(void *)(uintptr_t)(UNMAPPED_BASE + call_tag()), "unmapped", true};
        break;
    case 2:
        p = (struct ptr){(void *)(uintptr_t)(KERNEL_BASE + call_tag()), "kernel", true};
        break;
    default:
        p = (struct ptr){NULL, "null", false};
        break;
    }
    size_t n = (size_t)(chance(50) ? 1 + below(3) : any_u64());
    begin(F_PAGES_FREE);
    arg_ptr(p);
    arg(NULL, n);
    made();
    check(substrate_pages_free(p.p, n), MUST_FAIL);
}

static void fz_sbrk(void)
{
    /* Only calls that cannot pull memory from under newlib's malloc: a
       growth given back at once, and moves that leave the region (refused). */
    uint8_t *brk = substrate_sbrk(0);
    uint64_t off = (uint64_t)((uintptr_t)brk - SUBSTRATE_SBRK_BASE);
    intptr_t inc;
    bool refused;
    switch (below(4)) {
    case 0:
        inc = (intptr_t)PICK(INTPTR_MAX, INTPTR_MIN, INTPTR_MIN + 1,
                             (uint64_t)SBRK_REGION_SIZE - off + 1 + below(PAGE),
                             (uint64_t)SBRK_REGION_SIZE * 2, 1ull << 62);
        refused = true;
        break;
    case 1:
        inc = -(intptr_t)(off + 1 + below(1 << 20));
        refused = true;
        break;
    default:
        inc = (intptr_t)below(3 * PAGE);
        refused = false;
        break;
    }
    begin(F_SBRK);
    arg(NULL, (uint64_t)inc);
    made();
    uint8_t *old = substrate_sbrk(inc);
    if (refused) {
        if (old != (void *)-1)
            wrong("moved the break out of its region");
        if (substrate_sbrk(0) != brk)
            wrong("a refused sbrk moved the break");
        return;
    }
    if (old == (void *)-1)
        return; /* out of memory to map: allowed */
    if (old != brk)
        wrong("did not return the old break");
    if (inc > 0) {
        old[0] = 1;
        old[inc - 1] = 2;
    }
    begin(F_SBRK);
    arg(NULL, (uint64_t)-inc);
    made();
    if (substrate_sbrk(-inc) != brk + inc)
        wrong("did not give the growth back");
}

/* ---- IPC ---- */

/* A message for the other side: a label (edges included only when the
   sender is the fuzzed call), registers, capabilities that exist. */
static void gen_message(uint64_t *msg, size_t *len)
{
    *len = below(4) ? below(8) : below(SUBSTRATE_MSG_MAX_LENGTH + 1);
    for (size_t i = 0; i < *len; i++)
        msg[i] = rnd();
}

/* Present capabilities of the fuzzer's for the peer to send. */
static size_t gen_present_caps(uint64_t *caps)
{
    size_t n = chance(70) ? 0 : 1 + below(SUBSTRATE_MSG_MAX_CAPS);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct own *o = own_pick(-1);
        if (o && o->held != H_EMPTY)
            caps[k++] = o->slot;
    }
    return k;
}

/* Makes sure the peer is idle; a peer still blocked in a receive gets a
   message, one blocked in a send or call is received (and replied to). */
static bool peer_settle(void)
{
    if (!peer.busy)
        return false;
    if (peer_finished())
        return false;
    substrate_msginfo_t info;
    uint64_t buf[SUBSTRATE_MSG_MAX_LENGTH];
    switch (peer.op) {
    case P_RECV_REPLY:
        must(substrate_ep_send(server_ep, 0, NULL, 0, NULL, 0), "drain: send to the peer");
        break;
    case P_SEND:
        receive_none();
        must(substrate_ep_recv(server_ep, buf, SUBSTRATE_MSG_MAX_LENGTH, &info),
             "drain: receive from the peer");
        empty_trash();
        break;
    case P_CALL:
        receive_none();
        must(substrate_ep_recv(server_ep, buf, SUBSTRATE_MSG_MAX_LENGTH, &info),
             "drain: receive the peer's call");
        must(substrate_ep_reply(0, NULL, 0), "drain: reply to the peer");
        break;
    }
    if (!peer_finished()) {
        out_str("fuzz: FAILED the peer did not finish its command after call #");
        out_dec((int64_t)calls);
        out_str(": ");
        out_str(cur_desc());
        out_flush();
        fail_exit();
    }
    return true;
}

/* After main received a message: a capability that came with it is in the
   receive slot now, a copy of `sent` (the first capability the peer sent,
   one of the fuzzer's), with its type and rights. */
static void received_caps(const substrate_msginfo_t *info, const uint64_t *sent, size_t nsent)
{
    empty_trash();
    if (info->extra_caps == 0 || (info->caps_unwrapped & 1) || main_rslot == trash_slot)
        return;
    struct own *o = own_find(main_rslot);
    if (!o || o->held != H_EMPTY)
        return;
    const struct own *src = nsent ? own_find(sent[0]) : NULL;
    o->held = src ? src->held : H_UNKNOWN;
    o->rights = src ? src->rights : SUBSTRATE_RIGHTS_ALL;
    o->abi_rights = SUBSTRATE_RIGHTS_ALL;
    o->object = src && src->object ? src->object : next_object++;
    o->ut_bits = src ? src->ut_bits : 0;
    if (o->held == H_LFRAME)
        o->held = H_UNKNOWN; /* not known large */
    o->original = 0;
    o->large = 0;
    o->received = 1;
}

/* Whether the ABI refuses an endpoint capability with `rights` for `f`
   (send: write; receive: read; call: write and a grant right): 1 yes, 0
   no, -1 kernel-dependent (grant-reply without grant for a call: enough
   on kernels that have grant-reply, not on seL4 5.0). */
static int ep_lacks(enum fn f, unsigned rights)
{
    switch (f) {
    case F_EP_SEND:
        return !(rights & SUBSTRATE_RIGHT_WRITE);
    case F_EP_RECV:
        return !(rights & SUBSTRATE_RIGHT_READ);
    default:
        if (!(rights & SUBSTRATE_RIGHT_WRITE) ||
            !(rights & (SUBSTRATE_RIGHT_GRANT | SUBSTRATE_RIGHT_GRANT_REPLY)))
            return 1;
        return rights & SUBSTRATE_RIGHT_GRANT ? 0 : -1;
    }
}

/* The rights the ABI knows a capability to have at most: what it refuses
   an invocation by (the real ones, but for received capabilities). */
static unsigned cap_rights(struct capref c)
{
    if (c.cls == C_SERVER)
        return c.slot == server_ep_ro   ? SUBSTRATE_RIGHT_READ
               : c.slot == server_ep_wo ? SUBSTRATE_RIGHT_WRITE | SUBSTRATE_RIGHT_GRANT
                                        : SUBSTRATE_RIGHTS_ALL;
    return c.cls == C_OWN ? c.o->abi_rights : 0;
}

/* A received capability (or a copy of one) whose real rights lack one the
   invocation needs where the ABI's bound has it (`need`, `any_of` as for
   the ABI): the ABI cannot know the sender's rights (its doc says C must),
   and the kernel faults the thread or drops the message. Not drawn. */
static bool blind(struct capref c, unsigned need, unsigned any_of)
{
    if (c.cls != C_OWN || !c.o->received)
        return false;
    unsigned real = c.o->rights, abi = c.o->abi_rights;
    bool real_lacks = (real & need) != need || (any_of && !(real & any_of));
    bool abi_lacks = (abi & need) != need || (any_of && !(abi & any_of));
    return real_lacks && !abi_lacks;
}

/* The rights an endpoint call needs (as ep_lacks tells them). */
static unsigned ep_need(enum fn f)
{
    return f == F_EP_RECV ? SUBSTRATE_RIGHT_READ : SUBSTRATE_RIGHT_WRITE;
}

static unsigned ep_any_of(enum fn f)
{
    return f == F_EP_CALL ? SUBSTRATE_RIGHT_GRANT : 0;
}

/* An endpoint argument for a call that blocks on a good endpoint:
   server_ep (or a copy with fewer rights, X_RIGHTS), or a cap that the
   header says is refused at once. `*good` tells which. */
static struct capref gen_endpoint(enum fn f, bool *good, bool other_refusal)
{
    if (chance(55)) {
        *good = true;
        if (on(f, X_RIGHTS) && chance(10)) {
            bool ro = chance(50);
            return (struct capref){ro ? server_ep_ro : server_ep_wo, C_SERVER, NULL};
        }
        return (struct capref){server_ep, C_SERVER, NULL};
    }
    *good = false;
    for (;;) {
        struct capref c = gen_cap();
        int is_ep = cap_is(c, H_EP);
        int lacks = ep_lacks(f, cap_rights(c));
        if (blind(c, ep_need(f), ep_any_of(f)))
            continue;
        /* An endpoint nobody listens on only where it is refused: for its
           rights, or another argument. */
        if (is_ep == 0 || (is_ep == 1 && (lacks == 1 || other_refusal)))
            return c;
    }
}

/* The refusal of an endpoint for `f` (0 for one the ABI takes). */
static unsigned endpoint_why(enum fn f, struct capref ep)
{
    /* Refused for a receive; a send or call goes to the kernel, whatever
       the capability is (an object of the fuzzer's own). */
    if (unknown_received(ep))
        return f == F_EP_RECV || ep_lacks(f, cap_rights(ep)) != 0 ? S_EBADCAP : 0;
    int is_ep = cap_is(ep, H_EP);
    if (is_ep == 0 || (is_ep == 1 && ep_lacks(f, cap_rights(ep)) != 0))
        return S_EBADCAP;
    return 0;
}

/* A message to send, and the refusals the doc names for it (`why`). */
struct message {
    uint64_t label;
    struct ptr msg;
    size_t len;
    struct ptr caps;
    size_t ncaps;
    uint64_t capv[SUBSTRATE_MSG_MAX_CAPS + 2];
    uint64_t words[SUBSTRATE_MSG_MAX_LENGTH + 8];
    unsigned why;
};

static uint64_t max_label; /* substrate_msg_max_label() */

/* The refusals of a message to send (`with_caps`: its capabilities too). */
static unsigned message_why(const struct message *m, bool with_caps)
{
    unsigned why = 0;
    size_t ncaps = with_caps ? m->ncaps : 0;
    if (m->label > max_label || m->len > SUBSTRATE_MSG_MAX_LENGTH ||
        ncaps > SUBSTRATE_MSG_MAX_CAPS || (m->msg.p == NULL && m->len > 0) ||
        (m->caps.p == NULL && ncaps > 0))
        why |= S_EINVAL;
    if (m->len <= SUBSTRATE_MSG_MAX_LENGTH && faults(m->msg, 8 * m->len, 8, false))
        why |= S_EFAULT;
    if (ncaps <= SUBSTRATE_MSG_MAX_CAPS && faults(m->caps, 8 * ncaps, 8, false))
        why |= S_EFAULT;
    if (ncaps > 0 && ncaps <= SUBSTRATE_MSG_MAX_CAPS && m->caps.p != NULL &&
        !faults(m->caps, 8 * ncaps, 8, false)) {
        if (!is_good(m->caps)) {
            /* The read-only page's zeroes: slot 0, which C does not own. */
            why |= S_EBADCAP;
        } else {
            for (size_t i = 0; i < ncaps; i++) {
                struct own *o = own_find(m->capv[i]);
                bool server = m->capv[i] == server_ep || m->capv[i] == server_ep_ro ||
                              m->capv[i] == server_ep_wo;
                if (!server && (!o || o->held == H_EMPTY))
                    why |= S_EBADCAP;
            }
        }
    }
    return why;
}

static void gen_send_message(enum fn f, struct message *m)
{
    m->label = chance(80) ? below(1000) : PICK(max_label, max_label + 1, max_label - 1,
                                                 1ull << 63, UINT64_MAX, rnd(), (1ull << 20) - 1,
                                                 1ull << 20, 1ull << 32, 1ull << 52);
    m->len = chance(85) ? below(9) : (size_t)PICK(SUBSTRATE_MSG_MAX_LENGTH,
                                                 SUBSTRATE_MSG_MAX_LENGTH + 1, 1000, SIZE_MAX,
                                                 any_u64());
    for (size_t i = 0; i < sizeof m->words / sizeof m->words[0]; i++)
        m->words[i] = rnd();
    m->msg = gen_ptr(f, m->words, 8, false);
    m->ncaps = chance(75) ? 0 : chance(80) ? 1 + below(SUBSTRATE_MSG_MAX_CAPS) : (size_t)any_u64();
    for (size_t i = 0; i < SUBSTRATE_MSG_MAX_CAPS; i++)
        m->capv[i] = gen_cap().slot;
    m->caps = gen_ptr(f, m->capv, 8, false);
    m->why = message_why(m, true);
}

static void arg_message(const struct message *m)
{
    arg(NULL, m->label);
    arg_ptr(m->msg);
    arg(NULL, m->len);
    arg_ptr(m->caps);
    arg(NULL, m->ncaps);
    if (is_good(m->caps)) {
        for (size_t i = 0; i < m->ncaps && i < SUBSTRATE_MSG_MAX_CAPS; i++)
            arg("cap", m->capv[i]);
    }
}

static void fz_ep_send(void)
{
    struct message m;
    gen_send_message(F_EP_SEND, &m);
    bool good;
    struct capref ep = gen_endpoint(F_EP_SEND, &good, m.why != 0);
    if (good) {
        /* The peer receives; its reply goes nowhere (no caller). */
        peer_settle();
        peer.label = 0;
        peer.len = 0;
        peer_start(P_RECV_REPLY);
    }
    begin(F_EP_SEND);
    arg_cap(ep);
    arg_message(&m);
    made();
    int r = substrate_ep_send(ep.slot, m.label, m.msg.p, m.len, m.caps.p, m.ncaps);
    check_why(r, m.why | endpoint_why(F_EP_SEND, ep), ANY);
    if (good) {
        bool drained = peer_settle();
        if (r == SUBSTRATE_OK && drained)
            wrong("returned OK, but the message never arrived");
        if (r == SUBSTRATE_OK && ep.slot == server_ep) {
            peer_check(peer.status[0], S_OK, "substrate_ep_recv");
            if (peer.info.label != m.label || peer.info.length != m.len)
                wrong("the peer received another label or length");
            for (size_t i = 0; i < m.len && is_good(m.msg); i++)
                if (peer.got[i] != m.words[i])
                    wrong("the peer received other words");
        }
    }
}

/* Where a received message goes: a buffer of `max` words, or hostile;
   `why`: the refusals the doc names; `unsure`: a real buffer with a `max`
   above its size, which the ABI refuses (EFAULT) only if the memory
   behind the buffer is not the program's. */
struct inbox {
    struct ptr msg;
    size_t max;
    struct ptr info;
    uint64_t words[SUBSTRATE_MSG_MAX_LENGTH + 8];
    substrate_msginfo_t mi;
    uint8_t mi_slack[8]; /* a misaligned info pointer writes past mi */
    unsigned why;
    bool unsure;
};

static void gen_inbox(enum fn f, struct inbox *in)
{
    in->max = chance(80) ? below(SUBSTRATE_MSG_MAX_LENGTH + 1) : (size_t)any_u64();
    in->msg = gen_ptr(f, in->words, 8, true);
    in->info = gen_ptr(f, &in->mi, 8, true);
    if (!chance(30))
        in->info = (struct ptr){&in->mi, NULL, false};
    in->why = 0;
    in->unsure = false;
    if (in->info.p == NULL || (in->msg.p == NULL && in->max > 0))
        in->why |= S_EINVAL;
    if (faults(in->info, sizeof in->mi, 8, true))
        in->why |= S_EFAULT;
    size_t room = sizeof in->words / 8;
    if (in->msg.p != NULL && in->max > 0) {
        if (in->max > UINT64_MAX / 8)
            in->why |= S_EFAULT; /* the range wraps around */
        else if (faults(in->msg, 8 * (in->max < room ? in->max : room), 8, true))
            in->why |= S_EFAULT;
        else if (in->max > room)
            in->unsure = true;
    }
}

static void arg_inbox(const struct inbox *in)
{
    arg_ptr(in->msg);
    arg(NULL, in->max);
    arg_ptr(in->info);
}

/* Checks a receive's status: the refusals drawn, or any documented status
   where the ABI may refuse an oversized buffer. */
static void check_inbox(int r, const struct inbox *in, unsigned why)
{
    if (in->unsure && why) {
        check_why(r, why | S_EFAULT, ANY);
        return;
    }
    check_why(r, why, ANY);
}

static void fz_ep_recv(void)
{
    struct inbox in;
    gen_inbox(F_EP_RECV, &in);
    bool good;
    struct capref ep = gen_endpoint(F_EP_RECV, &good, in.why != 0);
    if (good) {
        /* The peer sends first (its own call is checked below). */
        peer_settle();
        gen_message(peer.msg, &peer.len);
        peer.label = below(1 << 20);
        peer.ncaps = gen_present_caps(peer.caps);
        peer_start(P_SEND);
    }
    begin(F_EP_RECV);
    arg_cap(ep);
    arg_inbox(&in);
    made();
    int r = substrate_ep_recv(ep.slot, in.msg.p, in.max, in.info.p);
    check_inbox(r, &in, in.why | endpoint_why(F_EP_RECV, ep));
    if (r == SUBSTRATE_OK && !is_good(in.info))
        wrong("returned OK for a message description it cannot write");
    if (r == SUBSTRATE_OK) {
        received_caps(&in.mi, ep.slot == server_ep ? peer.caps : NULL,
                      ep.slot == server_ep ? peer.ncaps : 0);
        if (ep.slot == server_ep) {
            if (in.mi.label != peer.label || in.mi.length != peer.len)
                wrong("received another label or length than the peer sent");
            size_t n = in.max < peer.len ? in.max : peer.len;
            for (size_t i = 0; i < n && is_good(in.msg); i++)
                if (in.words[i] != peer.msg[i])
                    wrong("received other words than the peer sent");
        }
    }
    if (good) {
        peer_settle();
        peer_check(peer.status[0], S_OK, "substrate_ep_send");
    }
}

static void fz_ep_call(void)
{
    struct message m;
    struct inbox in;
    gen_send_message(F_EP_CALL, &m);
    gen_inbox(F_EP_CALL, &in);
    bool good;
    struct capref ep = gen_endpoint(F_EP_CALL, &good, m.why || in.why);
    if (good) {
        peer_settle();
        gen_message(peer.msg, &peer.len);
        peer.label = below(1 << 20);
        peer_start(P_RECV_REPLY);
    }
    begin(F_EP_CALL);
    arg_cap(ep);
    arg_message(&m);
    arg_inbox(&in);
    made();
    int r = substrate_ep_call(ep.slot, m.label, m.msg.p, m.len, m.caps.p, m.ncaps, in.msg.p, in.max,
                              in.info.p);
    check_inbox(r, &in, m.why | in.why | endpoint_why(F_EP_CALL, ep));
    if (r == SUBSTRATE_OK && !is_good(in.info))
        wrong("returned OK for a message description it cannot write");
    if (r == SUBSTRATE_OK && ep.slot == server_ep) {
        received_caps(&in.mi, NULL, 0);
        if (in.mi.label != peer.label || in.mi.length != peer.len || in.mi.badge != 0)
            wrong("the reply has another label, length or badge than the peer's");
        size_t n = in.max < peer.len ? in.max : peer.len;
        for (size_t i = 0; i < n && is_good(in.msg); i++)
            if (in.words[i] != peer.msg[i])
                wrong("the reply has other words than the peer's");
    }
    if (good) {
        bool drained = peer_settle();
        if (r == SUBSTRATE_OK && drained)
            wrong("returned OK, but the peer never received the call");
        if (r == SUBSTRATE_OK && ep.slot == server_ep) {
            peer_check(peer.status[0], S_OK, "substrate_ep_recv");
            peer_check(peer.status[1], S_OK, "substrate_ep_reply");
        }
    }
}

static void fz_ep_reply(void)
{
    struct message m;
    gen_send_message(F_EP_REPLY, &m);
    m.ncaps = 0;
    m.why = message_why(&m, false);
    bool caller = chance(50);
    substrate_msginfo_t info;
    uint64_t buf[SUBSTRATE_MSG_MAX_LENGTH];
    if (caller) {
        /* The peer calls; main receives the call and replies below. */
        peer_settle();
        gen_message(peer.msg, &peer.len);
        peer.label = below(1 << 20);
        peer.ncaps = 0;
        peer_start(P_CALL);
        receive_none();
        must(substrate_ep_recv(server_ep, buf, SUBSTRATE_MSG_MAX_LENGTH, &info),
             "receive the peer's call");
        empty_trash();
    }
    begin(F_EP_REPLY);
    arg(caller ? "to-peer" : "no-caller", m.label);
    arg_ptr(m.msg);
    arg(NULL, m.len);
    made();
    int r = substrate_ep_reply(m.label, m.msg.p, m.len);
    check_why(r, m.why, caller ? MUST_OK : ANY);
    if (caller) {
        if (r != SUBSTRATE_OK)
            must(substrate_ep_reply(0, NULL, 0), "reply to the peer after a refused reply");
        peer_settle();
        peer_check(peer.status[0], S_OK, "substrate_ep_call");
        if (r == SUBSTRATE_OK && (peer.info.label != m.label || peer.info.length != m.len))
            wrong("the peer got another label or length");
    }
}

static void fz_ipc_set_receive_slot(void)
{
    struct capref c = chance(15) ? (struct capref){0, C_NULL, NULL} : gen_cap();
    begin(F_IPC_SET_RECEIVE_SLOT);
    arg_cap(c);
    made();
    int r = substrate_ipc_set_receive_slot(c.slot);
    /* 0 receives none; any other slot must be C's. */
    check_why(r, c.slot == 0 ? 0 : not_owned(c, true), MUST_OK);
    if (r == SUBSTRATE_OK)
        main_rslot = c.slot;
}

/* ---- notifications ---- */

/* The right a notification call needs: write to signal, read to wait or
   poll. */
static unsigned ntfn_need(enum fn f)
{
    return f == F_NTFN_SIGNAL || f == F_ALARM_SET ? SUBSTRATE_RIGHT_WRITE : SUBSTRATE_RIGHT_READ;
}

/* The refusal of a notification argument for `f` (0 if the ABI takes it). */
static unsigned ntfn_why(enum fn f, struct capref c)
{
    int is = cap_is(c, H_NTFN); /* 0 for a received one of unknown type */
    if (is == 0 || (is == 1 && !(cap_rights(c) & ntfn_need(f))))
        return S_EBADCAP;
    return 0;
}

/* A notification call's refusals `why` and, where there is one, EBADCAP
   for a capability of unknown type. */
static unsigned ntfn_with(struct capref c, unsigned why)
{
    return why | maybe_not(c, H_NTFN, why);
}

/* A notification argument: mostly one of the fuzzer's notifications. For
   a call that blocks (`blocking`), only capabilities refused at once. */
static struct capref gen_ntfn(enum fn f, bool blocking)
{
    for (;;) {
        struct capref c;
        struct own *o = !blocking && chance(50) ? own_pick(H_NTFN) : NULL;
        c = o ? (struct capref){o->slot, C_OWN, o} : gen_cap();
        if (blind(c, ntfn_need(f), 0))
            continue;
        if (blocking && !ntfn_why(f, c))
            continue;
        /* Capabilities of unknown type (never notifications) for the
           calls that do not block. */
        return c;
    }
}

static void fz_ntfn_signal(void)
{
    struct capref c = gen_ntfn(F_NTFN_SIGNAL, false);
    begin(F_NTFN_SIGNAL);
    arg_cap(c);
    made();
    int r = substrate_ntfn_signal(c.slot);
    check_why(r, ntfn_why(F_NTFN_SIGNAL, c), cap_is(c, H_NTFN) == 1 ? MUST_OK : ANY);
}

static void fz_ntfn_wait(void)
{
    uint64_t badge[2] = {0};
    struct ptr b = gen_ptr(F_NTFN_WAIT, badge, 8, true);
    unsigned bwhy = faults(b, 8, 8, true) ? S_EFAULT : 0;
    struct own *o = own_pick(H_NTFN);
    if (o && chance(60) && (o->rights & SUBSTRATE_RIGHT_READ) &&
        !unknown_received((struct capref){o->slot, C_OWN, o})) {
        /* A signal first, through a capability that can send: the wait
           returns. Or the peer signals while main waits. A badge pointer
           the ABI refuses refuses the wait before it waits: the signal
           stays pending, and a poll takes it. */
        struct own *sender = own_original(o->object);
        if (!sender)
            return;
        bool by_peer = chance(30) && !bwhy;
        if (by_peer) {
            peer_settle();
            peer.cap = sender->slot;
            peer_start(P_SIGNAL);
        } else {
            begin(F_NTFN_SIGNAL);
            arg_cap((struct capref){sender->slot, C_OWN, sender});
            made();
            check(substrate_ntfn_signal(sender->slot), MUST_OK);
        }
        struct capref c = {o->slot, C_OWN, o};
        begin(F_NTFN_WAIT);
        arg_cap(c);
        arg_ptr(b);
        made();
        int r = substrate_ntfn_wait(c.slot, b.p);
        check_why(r, bwhy, MUST_OK);
        if (bwhy) {
            uint64_t got;
            begin(F_NTFN_POLL);
            arg_cap(c);
            made();
            check(substrate_ntfn_poll(c.slot, &got), MUST_OK);
        }
        if (by_peer) {
            peer_settle();
            peer_check(peer.status[0], S_OK, "substrate_ntfn_signal");
        }
        return;
    }
    struct capref c = gen_ntfn(F_NTFN_WAIT, true);
    begin(F_NTFN_WAIT);
    arg_cap(c);
    arg_ptr(b);
    made();
    int r = substrate_ntfn_wait(c.slot, b.p);
    check_why(r, ntfn_with(c, ntfn_why(F_NTFN_WAIT, c) | bwhy), MUST_FAIL);
}

static void fz_ntfn_poll(void)
{
    uint64_t badge[2] = {0};
    struct ptr b = gen_ptr(F_NTFN_POLL, badge, 8, true);
    struct capref c = gen_ntfn(F_NTFN_POLL, false);
    begin(F_NTFN_POLL);
    arg_cap(c);
    arg_ptr(b);
    made();
    int r = substrate_ntfn_poll(c.slot, b.p);
    unsigned why = ntfn_why(F_NTFN_POLL, c) | (b.p == NULL ? S_EINVAL : 0) |
                   (faults(b, 8, 8, true) ? S_EFAULT : 0);
    check_why(r, ntfn_with(c, why), cap_is(c, H_NTFN) == 1 ? MUST_OK : ANY);
}

/* ---- untyped, cnode, frames, objects, slots ---- */

static uint32_t gen_obj_type(void)
{
    if (chance(85))
        return (uint32_t)below(7);
    return (uint32_t)PICK(7, 8, 9, 100, 0x80000000u, UINT32_MAX, (uint32_t)rnd());
}

static uint32_t gen_size_bits(uint32_t type)
{
    if (chance(80)) {
        switch (type) {
        case SUBSTRATE_OBJ_UNTYPED:
            return (uint32_t)(4 + below(11)); /* 16 B .. 16 KiB */
        case SUBSTRATE_OBJ_CNODE:
            return (uint32_t)(1 + below(4));
        default:
            return 0;
        }
    }
    return (uint32_t)PICK(0, 1, 3, 4, 20, 31, 32, 47, 63, 64, 65, 0x80000000u, UINT32_MAX);
}

/* Whether a size the doc calls refused (>= 64 bits, unknown type). */
static bool object_args_bad(uint32_t type, uint32_t bits)
{
    return type > SUBSTRATE_OBJ_LARGE_FRAME || bits >= 64;
}

/* Large objects come from memory the runtime never gets back: keep them
   rare (2 MiB frames and untypeds of 1 MiB and up at most 24 times a run). */
static unsigned big_objects;

static bool too_big(uint32_t type, uint32_t bits)
{
    bool big = type == SUBSTRATE_OBJ_LARGE_FRAME ||
               (type == SUBSTRATE_OBJ_UNTYPED && bits >= 20 && bits < 64) ||
               (type == SUBSTRATE_OBJ_CNODE && bits >= 12 && bits < 64);
    if (!big)
        return false;
    if (big_objects >= 24)
        return true;
    big_objects++;
    return false;
}

/* The refusals of a result pointer (`*out`) the call writes a u64 to. */
static unsigned out_why(struct ptr p)
{
    return p.p == NULL ? S_EINVAL : faults(p, 8, 8, true) ? S_EFAULT : 0;
}

/* The result pointer of a call that hands out a slot: mostly the good
   `out`; with room made in the table for the slot it gets. */
static struct ptr gen_out(enum fn f, uint64_t *out)
{
    struct ptr p = gen_ptr(f, out, 8, true);
    if (!chance(25))
        p = (struct ptr){out, NULL, false};
    if (n_own >= MAX_OWN - 2 && is_good(p)) {
        struct own *victim = own_pick(-1);
        if (victim)
            fz_release(victim);
    }
    return p;
}

static void fz_object_alloc(void)
{
    uint32_t type = gen_obj_type();
    uint32_t bits = gen_size_bits(type);
    if (too_big(type, bits))
        bits = 64;
    uint64_t out[2] = {0};
    struct ptr p = gen_out(F_OBJECT_ALLOC, out);
    begin(F_OBJECT_ALLOC);
    arg(NULL, type);
    arg(NULL, bits);
    arg_ptr(p);
    made();
    int r = substrate_object_alloc(type, bits, p.p);
    unsigned why = out_why(p) | (object_args_bad(type, bits) ? S_EINVAL : 0);
    bool sane = (type == SUBSTRATE_OBJ_UNTYPED && bits >= 4 && bits <= 14) ||
                (type == SUBSTRATE_OBJ_CNODE && bits >= 1 && bits <= 4) ||
                (type > SUBSTRATE_OBJ_UNTYPED && type <= SUBSTRATE_OBJ_LARGE_FRAME &&
                 type != SUBSTRATE_OBJ_CNODE && bits == 0);
    check_why(r, why, sane ? MUST_OK : ANY);
    if (r == SUBSTRATE_OK) {
        /* Only a good pointer gets a result (nothing is done otherwise). */
        uint64_t slot = read_result(p);
        struct own *o = own_add(slot, held_of_obj(type), true);
        if (!o) {
            substrate_slot_free(slot);
            return;
        }
        o->large = type == SUBSTRATE_OBJ_LARGE_FRAME;
        o->ut_bits = (uint8_t)bits;
    }
}

static void fz_slot_alloc(void)
{
    uint64_t out[2] = {0};
    struct ptr p = gen_out(F_SLOT_ALLOC, out);
    begin(F_SLOT_ALLOC);
    arg_ptr(p);
    made();
    int r = substrate_slot_alloc(p.p);
    check_why(r, out_why(p), MUST_OK);
    if (r == SUBSTRATE_OK) {
        uint64_t slot = read_result(p);
        if (own_find(slot))
            wrong("handed out a slot C owns already");
        if (!own_add(slot, H_EMPTY, true))
            substrate_slot_free(slot);
    }
}

static void fz_slot_alloc_range(void)
{
    uint64_t out[2] = {0};
    struct ptr p = gen_ptr(F_SLOT_ALLOC_RANGE, out, 8, true);
    if (!chance(25))
        p = (struct ptr){out, NULL, false};
    uint64_t count = chance(85) ? 1 + below(6)
                                : PICK(0, SUBSTRATE_SLOT_RANGE_MAX, SUBSTRATE_SLOT_RANGE_MAX + 1,
                                       UINT64_MAX, any_u64());
    /* Room in the table for what it hands out. */
    while (n_own + (count < 8 ? count : 8) > MAX_OWN - 2) {
        struct own *victim = own_pick(-1);
        if (!victim)
            break;
        fz_release(victim);
    }
    begin(F_SLOT_ALLOC_RANGE);
    arg(NULL, count);
    arg_ptr(p);
    made();
    int r = substrate_slot_alloc_range(count, p.p);
    unsigned why = out_why(p);
    if (count == 0 || count > SUBSTRATE_SLOT_RANGE_MAX)
        why |= S_EINVAL;
    check_why(r, why, count <= 8 ? MUST_OK : ANY);
    if (r != SUBSTRATE_OK)
        return;
    uint64_t first = read_result(p);
    for (uint64_t k = 0; k < count; k++) {
        if (own_find(first + k))
            wrong("handed out a slot C owns already");
        if (!own_add(first + k, H_EMPTY, true)) {
            begin(F_SLOT_FREE);
            arg("surplus", first + k);
            made();
            check(substrate_slot_free(first + k), MUST_OK);
        }
    }
}

/* Gives an owned slot back (a valid slot_free). */
static void fz_release(struct own *o)
{
    struct capref c = {o->slot, C_OWN, o};
    begin(F_SLOT_FREE);
    arg_cap(c);
    made();
    check(substrate_slot_free(o->slot), MUST_OK);
    own_remove(o);
}

static void fz_slot_free(void)
{
    struct own *o = own_pick(-1);
    if (o && chance(60)) {
        fz_release(o);
        return;
    }
    struct capref c = gen_cap();
    if (c.cls == C_OWN) {
        fz_release(c.o);
        return;
    }
    begin(F_SLOT_FREE);
    arg_cap(c);
    made();
    /* Never handed out (or given back already): refused, nothing deleted. */
    check_why(substrate_slot_free(c.slot), S_EINVAL, MUST_FAIL);
}

/* Whether C owns slot `s` as far as the fuzzer knows: its own slots and
   the ones it keeps out of its pool. */
static bool slot_owned(uint64_t s)
{
    return own_find(s) || s == server_ep || s == server_ep_ro || s == server_ep_wo ||
           s == peer_go || s == peer_done || s == peer_rslot || s == trash_slot || s == ro_frame;
}

static void fz_untyped_retype(void)
{
    struct capref ut;
    struct own *u = own_pick(H_UNTYPED);
    if (u && chance(60))
        ut = (struct capref){u->slot, C_OWN, u};
    else
        ut = gen_cap();
    uint32_t type = gen_obj_type();
    uint32_t bits = gen_size_bits(type);
    if (type == SUBSTRATE_OBJ_LARGE_FRAME && ut.cls != C_OWN)
        bits = 64; /* not from the runtime's memory */
    struct capref dest;
    struct own *e = chance(60) ? own_empty() : NULL;
    if (e)
        dest = (struct capref){e->slot, C_OWN, e};
    else
        dest = gen_cap();
    uint64_t count = chance(85) ? 1 : chance(50) ? 2 + below(3) : any_u64();
    begin(F_UNTYPED_RETYPE);
    arg_cap(ut);
    arg(NULL, type);
    arg(NULL, bits);
    arg_cap(dest);
    arg(NULL, count);
    made();
    int r = substrate_untyped_retype(ut.slot, type, bits, dest.slot, count);
    unsigned why = 0;
    if (object_args_bad(type, bits) || count == 0 || dest.slot + count < dest.slot)
        why |= S_EINVAL;
    if (cap_is(ut, H_UNTYPED) == 0)
        why |= S_EBADCAP;
    bool all_owned = count > 0 && count <= CNODE_SLOTS;
    for (uint64_t k = 0; all_owned && k < count; k++)
        all_owned = slot_owned(dest.slot + k);
    if (!all_owned && count > 0)
        why |= S_EPERM;
    why |= maybe_not(ut, H_UNTYPED, why);
    check_why(r, why, ANY);
    for (uint64_t k = 0; r == SUBSTRATE_OK && k < count && k < CNODE_SLOTS; k++) {
        struct own *o = own_find(dest.slot + k);
        if (!o)
            continue;
        o->held = (uint8_t)held_of_obj(type);
        if (o->held == H_LFRAME)
            o->held = H_UNKNOWN; /* the runtime does not know it is 2 MiB */
        o->original = 1;
        o->rights = SUBSTRATE_RIGHTS_ALL;
        o->abi_rights = SUBSTRATE_RIGHTS_ALL;
        o->object = next_object++;
        o->large = 0;
        o->received = 0;
        o->ut_bits = (uint8_t)bits;
    }
}

static uint32_t gen_rights(void)
{
    if (chance(85))
        return (uint32_t)below(16);
    return (uint32_t)PICK(16, 0x20, 0x80, 0x100, 0x8000000f, UINT32_MAX, (uint32_t)rnd());
}

static uint64_t max_badge; /* substrate_max_badge() */

static void copy_or_mint(enum fn f)
{
    struct capref src = gen_cap();
    struct capref dest;
    struct own *e = chance(60) ? own_empty() : NULL;
    if (e)
        dest = (struct capref){e->slot, C_OWN, e};
    else
        dest = gen_cap();
    uint32_t rights = gen_rights();
    uint64_t badge = chance(50) ? below(256)
                                : PICK(any_u64(), max_badge, max_badge + 1, (1ull << 28) - 1,
                                       1ull << 28, 0x10000005ull, UINT64_MAX);
    begin(f);
    arg_cap(dest);
    arg_cap(src);
    arg(NULL, rights);
    if (f == F_CNODE_MINT)
        arg(NULL, badge);
    made();
    int r = f == F_CNODE_MINT ? substrate_cnode_mint(dest.slot, src.slot, rights, badge)
                              : substrate_cnode_copy(dest.slot, src.slot, rights);
    unsigned why = not_owned(dest, true);
    if ((rights & ~(uint32_t)SUBSTRATE_RIGHTS_ALL) || (f == F_CNODE_MINT && badge > max_badge))
        why |= S_EINVAL;
    if (cap_present(src) == 0)
        why |= S_EBADCAP;
    check_why(r, why, ANY);
    if (r == SUBSTRATE_OK) {
        struct own *d = dest.o;
        if (src.o->held != H_UNKNOWN) {
            d->held = src.o->held;
            d->object = src.o->object;
            d->rights = (uint8_t)(rights & src.o->rights);
            d->ut_bits = src.o->ut_bits;
        } else {
            d->held = H_UNKNOWN;
            d->object = next_object++;
            d->rights = (uint8_t)(rights & src.o->rights);
        }
        d->abi_rights = (uint8_t)(rights & src.o->abi_rights);
        /* A copy is not the original, and a 2 MiB copy is not known large. */
        d->received = src.o->received;
        d->original = 0;
        d->large = 0;
        d->va = 0;
        if (d->held == H_LFRAME)
            d->held = H_UNKNOWN;
        if (d->held == H_UNTYPED && f == F_CNODE_MINT)
            d->held = H_UNKNOWN; /* a minted untyped (badge = free index?) */
    }
}

static void fz_cnode_copy(void)
{
    copy_or_mint(F_CNODE_COPY);
}

static void fz_cnode_mint(void)
{
    copy_or_mint(F_CNODE_MINT);
}

static void fz_cnode_delete(void)
{
    struct capref c = gen_cap();
    begin(F_CNODE_DELETE);
    arg_cap(c);
    made();
    int r = substrate_cnode_delete(c.slot);
    check_why(r, not_owned(c, true), MUST_OK);
    if (r == SUBSTRATE_OK) {
        c.o->held = H_EMPTY;
        c.o->original = 0;
        c.o->object = 0;
        c.o->va = 0;
        c.o->large = 0;
        c.o->received = 0;
        c.o->rights = SUBSTRATE_RIGHTS_ALL;
        c.o->abi_rights = SUBSTRATE_RIGHTS_ALL;
    }
}

/* Which owned frame is mapped at small-window page `va`, if any. */
static struct own *mapped_at(uint64_t va, uint64_t size)
{
    for (unsigned i = 0; i < n_own; i++) {
        struct own *o = &own[i];
        uint64_t osize = o->large ? LARGE_PAGE : PAGE;
        if (o->va && o->va < va + size && va < o->va + osize)
            return o;
    }
    return NULL;
}

static void fz_frame_map(void)
{
    struct capref fr;
    struct own *f = chance(70) ? own_pick(chance(85) ? H_FRAME : H_LFRAME) : NULL;
    if (f)
        fr = (struct capref){f->slot, C_OWN, f};
    else
        fr = gen_cap();
    bool large = fr.cls == C_OWN && fr.o->large;
    uint64_t va;
    const char *tag = NULL;
    switch (below(10)) {
    case 0:
        va = PICK(0, 1, PAGE - 1, PAGE + 8, VA_SMALL + 12, VA_LARGE + 12);
        tag = "odd";
        break;
    case 1:
        va = PICK((1ull << 47) - PAGE, 1ull << 47, (1ull << 47) - LARGE_PAGE, KERNEL_BASE & ~0xfffull,
                  NONCANON_BASE, UINT64_MAX & ~0xfffull, 0xffffffff80000000ull,
                  SUBSTRATE_MAP_BASE - PAGE, SUBSTRATE_MAP_END, SUBSTRATE_MAP_END - PAGE);
        tag = "edge";
        break;
    case 2:
        /* Where the runtime maps thread stacks and the sbrk region. */
        va = chance(50) ? THREAD_REGION_START + below((THREAD_REGION_END - THREAD_REGION_START) / PAGE) * PAGE
                        : SUBSTRATE_SBRK_BASE + below(SBRK_REGION_SIZE / PAGE) * PAGE;
        tag = "runtime";
        break;
    case 3:
        /* The image itself. */
        va = ((uint64_t)(uintptr_t)&fz_frame_map & ~0xfffull);
        tag = "image";
        break;
    default:
        va = large ? VA_LARGE + below(VA_LARGE_SLOTS) * LARGE_PAGE
                   : VA_SMALL + below(VA_SMALL_PAGES) * PAGE;
        break;
    }
    uint32_t rights = chance(85) ? (uint32_t)(1 + below(3)) : gen_rights();
    begin(F_FRAME_MAP);
    arg_cap(fr);
    arg(tag, va);
    arg(NULL, rights);
    made();
    int r = substrate_frame_map(fr.slot, (void *)(uintptr_t)va, rights);
    uint64_t size = large ? LARGE_PAGE : PAGE;
    unsigned why = 0;
    if (va == 0 || va % PAGE || (rights & ~(uint32_t)(SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE)))
        why |= S_EINVAL;
    if (cap_is(fr, H_FRAME) == 0)
        why |= S_EBADCAP;
    if (va % size || va + size < va || va + size > (1ull << 47))
        why |= S_EINVAL;
    else if (va < SUBSTRATE_MAP_BASE || va + size > SUBSTRATE_MAP_END)
        why |= S_EPERM; /* the runtime's addresses among them */
    why |= maybe_not(fr, H_FRAME, why);
    const struct own *there = mapped_at(va, size);
    bool taken = fr.cls == C_OWN && ((there && there != fr.o) || (fr.o->va && fr.o->va != va));
    /* A good map may still fail in the kernel (paging structures, a frame
       of unknown size): any documented status, but not OK over another
       mapping or for a frame mapped elsewhere. */
    check_why(r, why, taken ? MUST_FAIL : ANY);
    if (r == SUBSTRATE_OK && fr.cls == C_OWN) {
        fr.o->va = va;
        unsigned eff = rights & fr.o->rights;
        if ((eff & SUBSTRATE_RIGHT_WRITE) && (eff & SUBSTRATE_RIGHT_READ) && tag == NULL) {
            /* The memory is there. */
            volatile uint8_t *m = (uint8_t *)(uintptr_t)va;
            m[0] = 0xa5;
            m[size - 1] = 0x5a;
            if (m[0] != 0xa5 || m[size - 1] != 0x5a)
                wrong("the mapped frame does not keep what is written");
        }
    }
}

static void fz_frame_unmap(void)
{
    struct capref fr;
    struct own *f = chance(60) ? own_pick(chance(80) ? H_FRAME : H_LFRAME) : NULL;
    if (f)
        fr = (struct capref){f->slot, C_OWN, f};
    else
        fr = gen_cap();
    begin(F_FRAME_UNMAP);
    arg_cap(fr);
    made();
    int r = substrate_frame_unmap(fr.slot);
    int is = cap_is(fr, H_FRAME);
    /* Unmapping an unmapped frame succeeds, as the doc says. */
    check_why(r, is == 0 ? S_EBADCAP : 0, is == 1 ? MUST_OK : ANY);
    if (r == SUBSTRATE_OK && fr.cls == C_OWN) {
        /* Every owned capability of the same object at that address goes. */
        fr.o->va = 0;
    }
}

/* ---- mutexes ---- */

/* The refusals of a mutex or condition-variable pointer before the ABI
   looks at the object: EINVAL for null or misaligned, EFAULT for memory
   that is not the program's (or read-only: every call writes it). */
static unsigned sync_why(struct ptr p, size_t size)
{
    if (p.p == NULL || (uintptr_t)p.p % 8)
        return S_EINVAL;
    return faults(p, size, 8, true) ? S_EFAULT : 0;
}

static bool mutex_live(int i)
{
    return i >= 0 && mstate[i] != M_GARBAGE && mstate[i] != M_DESTROYED;
}

/* The refusals of a mutex argument the call needs live (mutex `i`). */
static unsigned mutex_why(struct ptr p, int i)
{
    unsigned why = sync_why(p, sizeof(substrate_mutex_t));
    return !why && !mutex_live(i) ? S_EINVAL : why;
}

/* Draws a mutex argument for `f` and describes the call. */
static struct ptr mutex_call(enum fn f, int *i)
{
    struct ptr p = gen_mutex(f, i);
    begin(f);
    arg_ptr(p);
    made();
    return p;
}

static void fz_mutex_init(void)
{
    int i;
    struct ptr p = gen_mutex(F_MUTEX_INIT, &i);
    begin(F_MUTEX_INIT);
    arg_ptr(p);
    if (mutex_live(i))
        desc_add(" /* live */");
    made();
    int r = substrate_mutex_init(p.p);
    unsigned why = sync_why(p, sizeof(substrate_mutex_t));
    /* A live mutex, held or not, stays as it is. */
    if (!why && mutex_live(i))
        why = S_EBUSY;
    check_why(r, why, MUST_OK);
    if (i >= 0 && r == SUBSTRATE_OK)
        mstate[i] = M_FREE;
}

static void fz_mutex_lock(void)
{
    int i;
    struct ptr p = gen_mutex(F_MUTEX_LOCK, &i);
    if (i >= 0 && mstate[i] == M_PEERS)
        return; /* would block until the peer unlocks */
    begin(F_MUTEX_LOCK);
    arg_ptr(p);
    made();
    int r = substrate_mutex_lock(p.p);
    unsigned why = mutex_why(p, i);
    if (!why && mstate[i] == M_MINE)
        why = S_EDEADLK;
    check_why(r, why, MUST_OK);
    if (mutex_live(i) && r == SUBSTRATE_OK)
        mstate[i] = M_MINE;
}

static void fz_mutex_trylock(void)
{
    int i;
    struct ptr p = mutex_call(F_MUTEX_TRYLOCK, &i);
    int r = substrate_mutex_trylock(p.p);
    unsigned why = mutex_why(p, i);
    if (!why && mstate[i] != M_FREE)
        why = S_EAGAIN;
    check_why(r, why, MUST_OK);
    if (mutex_live(i) && r == SUBSTRATE_OK)
        mstate[i] = M_MINE;
}

static void fz_mutex_unlock(void)
{
    int i;
    struct ptr p = gen_mutex(F_MUTEX_UNLOCK, &i);
    bool live = mutex_live(i);
    if (live && mstate[i] == M_FREE && chance(40)) {
        /* The peer takes it, main's unlock is refused, the peer unlocks. */
        peer_settle();
        peer.m = p.p;
        peer_start(P_LOCK);
        if (!peer_finished())
            wrong("the peer could not lock a free mutex");
        peer_check(peer.status[0], S_OK, "substrate_mutex_lock");
        mstate[i] = M_PEERS;
    } else if (live && mstate[i] == M_MINE && chance(30)) {
        /* The peer tries to unlock main's mutex: refused. */
        peer_settle();
        peer.m = p.p;
        peer_start(P_UNLOCK);
        if (!peer_finished())
            wrong("the peer's unlock blocked");
        peer_check(peer.status[0], S_EINVAL, "substrate_mutex_unlock of main's mutex");
    }
    begin(F_MUTEX_UNLOCK);
    arg_ptr(p);
    made();
    int r = substrate_mutex_unlock(p.p);
    unsigned why = mutex_why(p, i);
    if (!why && mstate[i] != M_MINE)
        why = S_EINVAL; /* not held by main */
    check_why(r, why, MUST_OK);
    if (live && r == SUBSTRATE_OK)
        mstate[i] = M_FREE;
    if (live && mstate[i] == M_PEERS) {
        peer.m = p.p;
        peer_start(P_UNLOCK);
        if (!peer_finished())
            wrong("the peer's unlock blocked");
        peer_check(peer.status[0], S_OK, "substrate_mutex_unlock");
        mstate[i] = M_FREE;
    }
}

static void fz_mutex_destroy(void)
{
    int i;
    struct ptr p = mutex_call(F_MUTEX_DESTROY, &i);
    int r = substrate_mutex_destroy(p.p);
    unsigned why = mutex_why(p, i);
    if (!why && mstate[i] != M_FREE)
        why = S_EBUSY; /* held, by main or the peer */
    check_why(r, why, MUST_OK);
    if (i >= 0 && r == SUBSTRATE_OK)
        mstate[i] = M_DESTROYED;
    if (i >= 0 && mstate[i] == M_DESTROYED && chance(30)) {
        scribble(&mutexes[i], sizeof mutexes[i]);
        mstate[i] = M_GARBAGE;
    }
}

/* ---- condition variables ---- */

static void fz_cond_init(void)
{
    int i;
    struct ptr p = gen_cond(F_COND_INIT, &i);
    bool live = i >= 0 && cstate[i] == CV_LIVE;
    begin(F_COND_INIT);
    arg_ptr(p);
    if (live)
        desc_add(" /* live */");
    made();
    int r = substrate_cond_init(p.p);
    unsigned why = sync_why(p, sizeof(substrate_cond_t));
    if (!why && live)
        why = S_EBUSY;
    check_why(r, why, MUST_OK);
    if (i >= 0 && r == SUBSTRATE_OK)
        cstate[i] = CV_LIVE;
}

/* A free mutex of the fuzzer's for a condition variable, or -1. */
static int free_mutex(void)
{
    int start = (int)below(MAX_MUTEX);
    for (int k = 0; k < MAX_MUTEX; k++) {
        int i = (start + k) % MAX_MUTEX;
        if (mstate[i] == M_FREE)
            return i;
    }
    return -1;
}

static void fz_cond_wait(void)
{
    int ci, mi = -1;
    struct ptr c = gen_cond(F_COND_WAIT, &ci);
    struct ptr m;
    int fm = free_mutex();
    if (ci >= 0 && cstate[ci] == CV_LIVE && fm >= 0 && chance(50)) {
        /* The real thing: main holds m and waits; the peer signals. */
        m = (struct ptr){&mutexes[fm], NULL, false};
        begin(F_MUTEX_LOCK);
        arg_ptr(m);
        made();
        check(substrate_mutex_lock(m.p), MUST_OK);
        peer_settle();
        peer.m = m.p;
        peer.c = c.p;
        peer.flag = 0;
        peer_start(P_COND_SIGNAL);
        int r = SUBSTRATE_OK;
        while (r == SUBSTRATE_OK && !peer.flag) {
            begin(F_COND_WAIT);
            arg_ptr(c);
            arg_ptr(m);
            made();
            r = substrate_cond_wait(c.p, m.p);
            check(r, MUST_OK);
        }
        begin(F_MUTEX_UNLOCK);
        arg_ptr(m);
        made();
        check(substrate_mutex_unlock(m.p), MUST_OK);
        if (!peer_finished())
            wrong("the peer did not finish signalling");
        peer_check(peer.status[0], S_OK, "substrate_mutex_lock/unlock");
        peer_check(peer.status[1], S_OK, "substrate_cond_signal");
        return;
    }
    /* Refused at once: an object that is not live, or m not held. */
    int mi_pick;
    m = gen_mutex(F_COND_WAIT, &mi_pick);
    mi = mi_pick;
    bool m_held = mi >= 0 && mstate[mi] == M_MINE;
    bool c_live = ci >= 0 && cstate[ci] == CV_LIVE;
    if (c_live && m_held)
        return; /* would wait for real: not without the peer */
    begin(F_COND_WAIT);
    arg_ptr(c);
    arg_ptr(m);
    made();
    unsigned why = sync_why(c, sizeof(substrate_cond_t)) | sync_why(m, sizeof(substrate_mutex_t));
    if (!c_live || !m_held)
        why |= S_EINVAL;
    check_why(substrate_cond_wait(c.p, m.p), why, MUST_FAIL);
}

static void fz_cond_signal_or_broadcast(enum fn f)
{
    int i;
    struct ptr c = gen_cond(f, &i);
    begin(f);
    arg_ptr(c);
    made();
    int r = f == F_COND_SIGNAL ? substrate_cond_signal(c.p) : substrate_cond_broadcast(c.p);
    unsigned why = sync_why(c, sizeof(substrate_cond_t));
    if (!why && !(i >= 0 && cstate[i] == CV_LIVE))
        why = S_EINVAL;
    check_why(r, why, MUST_OK);
}

static void fz_cond_signal(void)
{
    fz_cond_signal_or_broadcast(F_COND_SIGNAL);
}

static void fz_cond_broadcast(void)
{
    fz_cond_signal_or_broadcast(F_COND_BROADCAST);
}

static void fz_cond_destroy(void)
{
    int i;
    struct ptr c = gen_cond(F_COND_DESTROY, &i);
    int fm = free_mutex();
    bool live = i >= 0 && cstate[i] == CV_LIVE;
    if (live && fm >= 0 && chance(30)) {
        /* With a waiter: EAGAIN, then the waiter is woken. */
        substrate_mutex_t *m = &mutexes[fm];
        peer_settle();
        peer.m = m;
        peer.c = c.p;
        peer.flag = 0;
        peer.ready = 0;
        peer_start(P_COND_WAIT);
        for (;;) {
            must(substrate_mutex_lock(m), "lock for cond_destroy");
            if (peer.ready)
                break;
            must(substrate_mutex_unlock(m), "unlock for cond_destroy");
            substrate_thread_yield();
        }
        begin(F_COND_DESTROY);
        arg_ptr(c);
        desc_add(" /* the peer waits */");
        made();
        int r = substrate_cond_destroy(c.p);
        check_why(r, S_EBUSY, MUST_FAIL);
        peer.flag = 1;
        must(substrate_cond_signal(c.p), "signal the waiting peer");
        must(substrate_mutex_unlock(m), "unlock for the peer");
        if (!peer_finished())
            wrong("the waiting peer did not wake up");
        peer_check(peer.status[0], S_OK, "substrate_cond_wait");
        peer_check(peer.status[1], S_OK, "substrate_mutex_unlock");
        return;
    }
    begin(F_COND_DESTROY);
    arg_ptr(c);
    made();
    int r = substrate_cond_destroy(c.p);
    unsigned why = sync_why(c, sizeof(substrate_cond_t));
    if (!why && !live)
        why = S_EINVAL;
    check_why(r, why, MUST_OK);
    if (live && r == SUBSTRATE_OK)
        cstate[i] = CV_DESTROYED;
    if (i >= 0 && cstate[i] == CV_DESTROYED && chance(30)) {
        scribble(&conds[i], sizeof conds[i]);
        cstate[i] = CV_GARBAGE;
    }
}

/* ---- threads ---- */

static void join_one(unsigned k, void **result_p, struct ptr result)
{
    begin(F_THREAD_JOIN);
    arg("live", threads[k].handle);
    arg_ptr(result);
    made();
    void *res = NULL;
    int r = substrate_thread_join(threads[k].handle, result_p ? result_p : result.p);
    if (!result_p && faults(result, 8, 8, true)) {
        /* Refused before anything is done: the thread stays joinable. */
        check_why(r, S_EFAULT, MUST_FAIL);
        return;
    }
    bool faults = threads[k].kind < 0;
    check(r, faults ? MUST_FAIL : MUST_OK);
    if (faults && r != SUBSTRATE_EFAULT)
        wrong("a faulting thread was not reported");
    if (!faults && result_p) {
        res = *result_p;
        if ((uintptr_t)res != (threads[k].arg ^ 0x5a5a))
            wrong("the thread's result is not what it returned");
    }
    note_joined(threads[k].handle);
    threads[k] = threads[--n_threads];
}

static void fz_thread_create(void)
{
    if (n_threads == MAX_THREADS) {
        void *res;
        join_one((unsigned)below(n_threads), &res, (struct ptr){&res, NULL, false});
    }
    substrate_thread_t out[2] = {0};
    struct ptr p = gen_ptr(F_THREAD_CREATE, out, 8, true);
    if (!chance(25))
        p = (struct ptr){out, NULL, false};
    int kind = (int)below(sizeof entries / sizeof entries[0]);
    void *(*entry)(void *) = entries[kind];
    const char *etag = "entry";
    if (chance(10)) {
        entry = NULL;
        etag = "null";
    } else if (on(F_THREAD_CREATE, X_BAD_ENTRY) && chance(4)) {
        entry = (void *(*)(void *))(uintptr_t)(BAD_CODE_BASE + call_tag());
        etag = "bad-code";
        kind = -1;
    }
    uintptr_t a = (uintptr_t)rnd();
    begin(F_THREAD_CREATE);
    arg_ptr(p);
    arg(etag, (uint64_t)(uintptr_t)entry);
    arg(NULL, a);
    made();
    int r = substrate_thread_create(p.p, entry, (void *)a);
    unsigned why = out_why(p) | (entry == NULL ? S_EINVAL : 0);
    check_why(r, why, MUST_OK);
    if (r == SUBSTRATE_OK) {
        substrate_thread_t h = read_result(p);
        if (h == 0)
            wrong("handle 0");
        threads[n_threads].handle = h;
        threads[n_threads].arg = a;
        threads[n_threads].kind = kind;
        n_threads++;
    }
}

static void fz_thread_join(void)
{
    void *res[2] = {NULL};
    struct ptr rp = gen_ptr(F_THREAD_JOIN, res, 8, true);
    if (chance(40))
        rp = (struct ptr){NULL, "null", false};
    if (n_threads && chance(50)) {
        join_one((unsigned)below(n_threads), is_good(rp) ? res : NULL, rp);
        return;
    }
    /* Handles that cannot be joined: refused at once. */
    substrate_thread_t t;
    const char *tag;
    switch (below(4)) {
    case 0:
        t = substrate_thread_self();
        tag = "self";
        break;
    case 1:
        if (n_joined) {
            t = joined[below(n_joined)];
            tag = "joined";
            break;
        }
        /* fall through */
    default:
        t = any_u64();
        tag = "unknown";
        break;
    }
    for (unsigned k = 0; k < n_threads; k++)
        if (threads[k].handle == t)
            return;
    if (t == peer_thread)
        return; /* the peer never ends */
    begin(F_THREAD_JOIN);
    arg(tag, t);
    arg_ptr(rp);
    made();
    unsigned why = t == substrate_thread_self() ? S_EDEADLK : S_EINVAL;
    if (faults(rp, 8, 8, true))
        why |= S_EFAULT;
    check_why(substrate_thread_join(t, rp.p), why, MUST_FAIL);
}

static void fz_thread_self(void)
{
    begin(F_THREAD_SELF);
    made();
    static substrate_thread_t me;
    substrate_thread_t t = substrate_thread_self();
    if (t == 0)
        wrong("0 on main's thread");
    if (me && t != me)
        wrong("changed");
    me = t;
}

static void fz_thread_yield(void)
{
    begin(F_THREAD_YIELD);
    made();
    substrate_thread_yield();
}

static void *main_data;

static void fz_thread_self_data(void)
{
    begin(F_THREAD_SELF_DATA);
    made();
    if (substrate_thread_self_data() != main_data)
        wrong("not what was set");
}

static void fz_thread_set_data(void)
{
    /* Never dereferenced: any pointer. */
    void *d = chance(30) ? NULL : (void *)(uintptr_t)any_u64();
    begin(F_THREAD_SET_DATA);
    arg(NULL, (uint64_t)(uintptr_t)d);
    made();
    check(substrate_thread_set_data(d), MUST_OK);
    main_data = d;
    if (substrate_thread_self_data() != d)
        wrong("substrate_thread_self_data does not give it back");
}

/* ---- time ---- */

static void fz_time_ns(void)
{
    static uint64_t last;
    begin(F_TIME_NS);
    made();
    uint64_t t = substrate_time_ns();
    if (t < last)
        wrong("time went backwards");
    last = t;
}

static void fz_realtime_ns(void)
{
    /* The wall clock never goes back either, and (QEMU's real-time clock
       keeps the host's date) is after 2020-01-01. */
    static uint64_t last;
    begin(F_REALTIME_NS);
    made();
    uint64_t t = substrate_realtime_ns();
    if (t < last)
        wrong("the wall clock went backwards");
    if (t < 1577836800ull * 1000000000ull)
        wrong("the wall clock is before 2020");
    last = t;
}

static void fz_tsc_hz(void)
{
    static uint64_t hz;
    begin(F_TSC_HZ);
    made();
    uint64_t h = substrate_tsc_hz();
    if (h == 0 || (hz && h != hz))
        wrong("0, or changed");
    hz = h;
}

static void fz_sleep_ns(void)
{
    /* Short sleeps only (the run's time): 0, a few microseconds, up to
       100 microseconds. */
    uint64_t ns = chance(20) ? 0 : below(100000);
    begin(F_SLEEP_NS);
    arg(NULL, ns);
    made();
    uint64_t t0 = substrate_time_ns();
    int r = substrate_sleep_ns(ns);
    check(r, MUST_OK);
    if (r == SUBSTRATE_OK && substrate_time_ns() < t0 + ns)
        wrong("returned before the time had passed");
}

static void fz_sleep_until_ns(void)
{
    /* Deadlines in the past (at once) and a little ahead. */
    uint64_t now = substrate_time_ns();
    uint64_t deadline = chance(40) ? PICK(0, 1, now / 2, now) : now + below(100000);
    begin(F_SLEEP_UNTIL_NS);
    arg(NULL, deadline);
    made();
    int r = substrate_sleep_until_ns(deadline);
    check(r, MUST_OK);
    if (r == SUBSTRATE_OK && substrate_time_ns() < deadline)
        wrong("returned before the deadline");
}

/* ---- alarms ---- */

/* Alarms the fuzzer set, to cancel: their numbers, and whether each was
   set far in the future (so it cannot have fired when it is cancelled)
   and is not cancelled yet. Alarms only ever signal the fuzzer's own
   notifications, and every wait in the fuzzer is preceded by a signal, so
   a stray signal only adds badge bits. */
#define ALARMS_KEPT 32
static struct {
    uint64_t id;
    bool far;
    bool live;
} alarms_kept[ALARMS_KEPT];
static unsigned alarms_count;
static uint64_t alarms_issued; /* one more than the highest number seen */

static void fz_alarm_set(void)
{
    uint64_t out[2] = {0};
    struct ptr a = gen_ptr(F_ALARM_SET, out, 8, true);
    struct capref c = gen_ntfn(F_ALARM_SET, false);
    uint64_t now = substrate_time_ns();
    uint64_t deadline;
    bool far = false;
    switch (below(4)) {
    case 0:
        deadline = PICK(0, 1, now / 2, now);
        break;
    case 1:
        deadline = now + below(100000);
        break;
    default:
        deadline = PICK(UINT64_MAX, UINT64_MAX - 1, now + 3600000000000ull);
        far = true;
        break;
    }
    begin(F_ALARM_SET);
    arg_cap(c);
    arg(NULL, deadline);
    arg_ptr(a);
    made();
    int r = substrate_alarm_set(c.slot, deadline, a.p);
    unsigned why = ntfn_why(F_ALARM_SET, c) | (a.p == NULL || faults(a, 8, 8, true) ? S_EFAULT : 0);
    check_why(r, ntfn_with(c, why), cap_is(c, H_NTFN) == 1 ? MUST_OK : ANY);
    if (r != SUBSTRATE_OK)
        return;
    if (a.p != out && a.p != NULL)
        return; /* written elsewhere (a good pointer other than ours) */
    uint64_t id = out[0];
    if (alarms_issued > 0 && id < alarms_issued)
        wrong("an alarm number was handed out twice");
    alarms_issued = id + 1;
    unsigned i = alarms_count < ALARMS_KEPT ? alarms_count++ : (unsigned)below(ALARMS_KEPT);
    if (alarms_count == ALARMS_KEPT && alarms_kept[i].live) {
        /* Every alarm holds a runtime slot until it fires or is cancelled:
           at most ALARMS_KEPT stay set. */
        begin(F_ALARM_CANCEL);
        arg(NULL, alarms_kept[i].id);
        made();
        int c = substrate_alarm_cancel(alarms_kept[i].id);
        if (c < 0 || c > 1 || (alarms_kept[i].far && c != 1))
            wrong("cancelling a kept alarm");
    }
    alarms_kept[i].id = id;
    alarms_kept[i].far = far;
    alarms_kept[i].live = true;
}

static void fz_alarm_cancel(void)
{
    uint64_t id;
    int want = -1; /* -1: 0 or 1 */
    unsigned why = 0;
    if (alarms_count > 0 && chance(80)) {
        unsigned i = (unsigned)below(alarms_count);
        id = alarms_kept[i].id;
        if (!alarms_kept[i].live)
            want = 0;
        else if (alarms_kept[i].far)
            want = 1;
        alarms_kept[i].live = false;
    } else {
        id = PICK(alarms_issued, alarms_issued + 1, UINT64_MAX, rnd() | (1ull << 63));
        why = S_EINVAL;
    }
    begin(F_ALARM_CANCEL);
    arg(NULL, id);
    made();
    int r = substrate_alarm_cancel(id);
    if (why) {
        check_why(r, why, MUST_FAIL);
        return;
    }
    if (r < 0)
        check(r, MUST_OK);
    else if (r > 1 || (want >= 0 && r != want))
        wrong(want == 1 ? "a far alarm was not pending" : "a cancelled alarm was pending");
}

/* ---- widths, statistics ---- */

/* A width the ABI reports: the same every time (`first`, from the set-up),
   all ones, at least `min_bits` wide (seL4 5.0's field). */
static void width(enum fn f, uint64_t (*get)(void), uint64_t first, unsigned min_bits)
{
    begin(f);
    made();
    uint64_t m = get();
    if (m != first || m < (1ull << min_bits) - 1 || (m & (m + 1)) != 0)
        wrong("not the same field of ones");
}

static void fz_msg_max_label(void)
{
    width(F_MSG_MAX_LABEL, substrate_msg_max_label, max_label, 20);
}

static void fz_max_badge(void)
{
    width(F_MAX_BADGE, substrate_max_badge, max_badge, 28);
}

static void fz_stats(void)
{
    substrate_stats_t st[2];
    struct ptr p = gen_ptr(F_STATS, st, 8, true);
    begin(F_STATS);
    arg_ptr(p);
    made();
    int r = substrate_stats(p.p);
    unsigned why = p.p == NULL ? S_EINVAL : faults(p, sizeof st[0], 8, true) ? S_EFAULT : 0;
    check_why(r, why, MUST_OK);
    if (r == SUBSTRATE_OK && st[0].free_slots >= CNODE_SLOTS)
        wrong("more free slots than the CNode has");
}

static void fz_cnode_slots(void)
{
    begin(F_CNODE_SLOTS);
    made();
    if (substrate_cnode_slots() != CNODE_SLOTS)
        wrong("changed since start-up");
}

/* ---- a system component's functions, outside a system ---- */
/* This image is a root task: every function that needs a component says
   ENOSYS, the counters are 0 and the name NULL, whatever the arguments. */

static uint32_t any_channel(void)
{
    return (uint32_t)PICK(below(24), 24 + below(100), UINT32_MAX, rnd());
}

static void fz_system_run(void)
{
    /* Garbage function pointers: never called outside a component. */
    uintptr_t f[3];
    for (int i = 0; i < 3; i++)
        f[i] = chance(50) ? 0 : (uintptr_t)(UNMAPPED_BASE + call_tag());
    begin(F_SYSTEM_RUN);
    arg(NULL, f[0]);
    arg(NULL, f[1]);
    arg(NULL, f[2]);
    made();
    int r = substrate_system_run((substrate_notified_fn)f[0], (substrate_protected_fn)f[1],
                                 (substrate_peer_restarted_fn)f[2]);
    check_why(r, S_ENOSYS, MUST_FAIL);
}

static void fz_system_notify(void)
{
    uint32_t ch = any_channel();
    begin(F_SYSTEM_NOTIFY);
    arg(NULL, ch);
    made();
    check_why(substrate_system_notify(ch), S_ENOSYS, MUST_FAIL);
}

static void fz_system_call(void)
{
    substrate_msg_t reply[2];
    struct ptr p = gen_ptr(F_SYSTEM_CALL, reply, 8, true);
    uint32_t ch = any_channel();
    substrate_msg_t msg = {PICK(0, 1, rnd()), (uint32_t)PICK(0, 1, 120, 121, rnd())};
    begin(F_SYSTEM_CALL);
    arg(NULL, ch);
    arg(NULL, msg.label);
    arg(NULL, msg.length);
    arg_ptr(p);
    made();
    int r = substrate_system_call(ch, msg, p.p);
    check_why(r, faults(p, sizeof reply[0], 8, true) ? S_EFAULT : S_ENOSYS, MUST_FAIL);
}

static void fz_system_mr(void)
{
    uint32_t i = (uint32_t)PICK(below(120), 120 + below(10), UINT32_MAX);
    begin(F_SYSTEM_MR);
    arg(NULL, i);
    made();
    uint64_t v = substrate_system_mr(i);
    if (i >= 120 && v != 0)
        wrong("a register past the 120th is not 0");
}

static void fz_system_set_mr(void)
{
    uint32_t i = (uint32_t)PICK(below(120), 120 + below(10), UINT32_MAX);
    uint64_t v = rnd();
    begin(F_SYSTEM_SET_MR);
    arg(NULL, i);
    arg(NULL, v);
    made();
    int r = substrate_system_set_mr(i, v);
    if (i >= 120) {
        check_why(r, S_EINVAL, MUST_FAIL);
        return;
    }
    check(r, MUST_OK);
    if (substrate_system_mr(i) != v)
        wrong("the register does not hold what was set");
}

static void fz_system_name(void)
{
    begin(F_SYSTEM_NAME);
    made();
    if (substrate_system_name() != NULL)
        wrong("a name outside a system");
}

static void fz_system_restarts(void)
{
    begin(F_SYSTEM_RESTARTS);
    made();
    if (substrate_system_restarts() != 0)
        wrong("restarts outside a system");
}

static void fz_system_peer_restarts(void)
{
    uint32_t ch = any_channel();
    begin(F_SYSTEM_PEER_RESTARTS);
    arg(NULL, ch);
    made();
    if (substrate_system_peer_restarts(ch) != 0)
        wrong("a peer's restarts outside a system");
}

static void fz_system_region(void)
{
    static const char name[] = "ring";
    void *base_buf[2];
    size_t size_buf[2];
    struct ptr n = gen_ptr(F_SYSTEM_REGION, (void *)name, 1, false);
    struct ptr b = gen_ptr(F_SYSTEM_REGION, base_buf, 8, true);
    struct ptr z = gen_ptr(F_SYSTEM_REGION, size_buf, 8, true);
    begin(F_SYSTEM_REGION);
    arg_ptr(n);
    arg_ptr(b);
    arg_ptr(z);
    made();
    check_why(substrate_system_region(n.p, b.p, z.p), S_ENOSYS, MUST_FAIL);
}

static void fz_system_wait(void)
{
    substrate_system_event_t ev[2];
    struct ptr p = gen_ptr(F_SYSTEM_WAIT, ev, 8, true);
    begin(F_SYSTEM_WAIT);
    arg_ptr(p);
    made();
    check_why(substrate_system_wait(p.p), S_ENOSYS, MUST_FAIL);
}

static void fz_system_reply(void)
{
    substrate_msg_t msg = {PICK(0, 1, rnd()), (uint32_t)PICK(0, 1, 120, 121, rnd())};
    begin(F_SYSTEM_REPLY);
    arg(NULL, msg.label);
    arg(NULL, msg.length);
    made();
    check_why(substrate_system_reply(msg), S_ENOSYS, MUST_FAIL);
}

static void fz_system_set_alarm(void)
{
    uint64_t d = PICK(0, substrate_time_ns(), UINT64_MAX, rnd());
    begin(F_SYSTEM_SET_ALARM);
    arg(NULL, d);
    made();
    check_why(substrate_system_set_alarm(d), S_ENOSYS, MUST_FAIL);
}

static void fz_system_tsc_hz(void)
{
    begin(F_SYSTEM_TSC_HZ);
    made();
    if (substrate_system_tsc_hz() != 0)
        wrong("a system clock outside a system");
}

static void fz_system_boot_info(void)
{
    substrate_boot_info_t b[2];
    struct ptr p = gen_ptr(F_SYSTEM_BOOT_INFO, b, 8, true);
    begin(F_SYSTEM_BOOT_INFO);
    arg_ptr(p);
    made();
    check_why(substrate_system_boot_info(p.p), S_ENOSYS, MUST_FAIL);
}

static void fz_kernel_version(void)
{
    begin(F_KERNEL_VERSION);
    made();
    const char *v = substrate_kernel_version();
    /* NULL where the install records no version (upstream's cmake installs
       do not); else a short, non-empty string, the same every time. */
    static const char *first;
    static bool seen;
    if (!seen) {
        first = v;
        seen = true;
    }
    if (v != first)
        wrong("the kernel version moved");
    if (v != NULL && (v[0] == '\0' || strnlen(v, 64) == 64))
        wrong("an empty or unterminated kernel version");
}

/* A connection or listener number: small, negative or huge. */
static int32_t any_net_id(void)
{
    return (int32_t)PICK(below(4), -1, INT32_MIN, INT32_MAX, (int32_t)rnd());
}

static void fz_net_start(void)
{
    substrate_net_config_t c[2];
    memset(c, 0, sizeof c);
    c[0].channel = any_channel();
    c[0].address = (uint32_t)PICK(0, 0x0a00020f, rnd());
    c[0].prefix_len = (uint32_t)PICK(24, 33, rnd());
    c[0].sockets = (uint32_t)PICK(0, 1, 2000, rnd());
    struct ptr p = gen_ptr(F_NET_START, c, 4, false);
    begin(F_NET_START);
    arg_ptr(p);
    made();
    check_why(substrate_net_start(p.p), S_ENOSYS, MUST_FAIL);
}

static void fz_net_poll(void)
{
    begin(F_NET_POLL);
    made();
    check_why(substrate_net_poll(), S_ENOSYS, MUST_FAIL);
}

static void fz_net_prepare_wait(void)
{
    uint64_t d[2];
    struct ptr p = gen_ptr(F_NET_PREPARE_WAIT, d, 8, true);
    begin(F_NET_PREPARE_WAIT);
    arg_ptr(p);
    made();
    check_why(substrate_net_prepare_wait(p.p), S_ENOSYS, MUST_FAIL);
}

static void fz_net_driver_restarted(void)
{
    begin(F_NET_DRIVER_RESTARTED);
    made();
    check_why(substrate_net_driver_restarted(), S_ENOSYS, MUST_FAIL);
}

static void fz_net_address(void)
{
    uint32_t a[2], n[2];
    struct ptr pa = gen_ptr(F_NET_ADDRESS, a, 4, true);
    struct ptr pn = gen_ptr(F_NET_ADDRESS, n, 4, true);
    begin(F_NET_ADDRESS);
    arg_ptr(pa);
    arg_ptr(pn);
    made();
    check_why(substrate_net_address(pa.p, pn.p), S_ENOSYS, MUST_FAIL);
}

static void fz_net_listen(void)
{
    uint16_t port = (uint16_t)PICK(0, 80, 65535, rnd());
    uint32_t backlog = (uint32_t)PICK(0, 16, UINT32_MAX, rnd());
    begin(F_NET_LISTEN);
    arg(NULL, port);
    arg(NULL, backlog);
    made();
    check_why(substrate_net_listen(port, backlog), S_ENOSYS, MUST_FAIL);
}

static void fz_net_accept(void)
{
    int32_t l = any_net_id();
    begin(F_NET_ACCEPT);
    arg(NULL, (uint64_t)(int64_t)l);
    made();
    check_why(substrate_net_accept(l), S_ENOSYS, MUST_FAIL);
}

static void fz_net_close_listener(void)
{
    int32_t l = any_net_id();
    begin(F_NET_CLOSE_LISTENER);
    arg(NULL, (uint64_t)(int64_t)l);
    made();
    check_why(substrate_net_close_listener(l), S_ENOSYS, MUST_FAIL);
}

static void fz_net_recv(void)
{
    uint8_t buf[64];
    struct ptr p = gen_ptr(F_NET_RECV, buf, 1, true);
    int32_t c = any_net_id();
    size_t len = (size_t)PICK(0, 1, sizeof buf, (uint64_t)INTPTR_MAX + 1, rnd());
    begin(F_NET_RECV);
    arg(NULL, (uint64_t)(int64_t)c);
    arg_ptr(p);
    arg(NULL, len);
    made();
    check_why(substrate_net_recv(c, p.p, len), S_ENOSYS, MUST_FAIL);
}

static void fz_net_send(void)
{
    uint8_t buf[64] = {0};
    struct ptr p = gen_ptr(F_NET_SEND, buf, 1, false);
    int32_t c = any_net_id();
    size_t len = (size_t)PICK(0, 1, sizeof buf, (uint64_t)INTPTR_MAX + 1, rnd());
    begin(F_NET_SEND);
    arg(NULL, (uint64_t)(int64_t)c);
    arg_ptr(p);
    arg(NULL, len);
    made();
    check_why(substrate_net_send(c, p.p, len), S_ENOSYS, MUST_FAIL);
}

static void fz_net_close(void)
{
    int32_t c = any_net_id();
    begin(F_NET_CLOSE);
    arg(NULL, (uint64_t)(int64_t)c);
    made();
    check_why(substrate_net_close(c), S_ENOSYS, MUST_FAIL);
}

static void fz_net_abort(void)
{
    int32_t c = any_net_id();
    begin(F_NET_ABORT);
    arg(NULL, (uint64_t)(int64_t)c);
    made();
    check_why(substrate_net_abort(c), S_ENOSYS, MUST_FAIL);
}

/* ============================================================================ */
/* The table: every function of substrate.h, what its doc says it returns,     */
/* and which hostile classes it gets.                                           */
/* ============================================================================ */

#define OK_INVAL (S_OK | S_EINVAL)

static const struct fn_entry table[F_COUNT] = {
    [F_ABI_VERSION] = {"substrate_abi_version", fz_abi_version, 0, X_ALL, 1},
    [F_CONSOLE_WRITE] = {"substrate_console_write", fz_console_write,
                         S_COUNT | S_OK | S_EINVAL | S_EFAULT, X_ALL, 2},
    /* 0 when there is no input source, so S_OK (0) as well. */
    [F_CONSOLE_READ] = {"substrate_console_read", fz_console_read,
                        S_COUNT | S_OK | S_EINVAL | S_EFAULT | S_KERNEL, X_ALL, 1},
    /* substrate_exit, substrate_abort: not called (they end the system). */
    [F_MALLOC] = {"substrate_malloc", fz_malloc, 0, X_ALL, 4},
    [F_CALLOC] = {"substrate_calloc", fz_calloc, 0, X_ALL, 2},
    [F_ALIGNED_ALLOC] = {"substrate_aligned_alloc", fz_aligned_alloc, 0, X_ALL, 2},
    [F_FREE] = {"substrate_free", fz_free, 0, X_ALL, 4},
    [F_REALLOC] = {"substrate_realloc", fz_realloc, 0, X_ALL, 3},
    [F_PAGES_ALLOC] = {"substrate_pages_alloc", fz_pages_alloc, 0, X_ALL, 2},
    [F_PAGES_FREE] = {"substrate_pages_free", fz_pages_free, OK_INVAL, X_ALL, 2},
    [F_SBRK] = {"substrate_sbrk", fz_sbrk, 0, X_ALL, 2},
    [F_EP_SEND] = {"substrate_ep_send", fz_ep_send, OK_INVAL | S_EBADCAP | S_EFAULT, X_ALL, 3},
    [F_EP_RECV] = {"substrate_ep_recv", fz_ep_recv,
                   OK_INVAL | S_EBADCAP | S_ENOMEM | S_EFAULT, X_ALL, 3},
    [F_EP_CALL] = {"substrate_ep_call", fz_ep_call,
                   OK_INVAL | S_EBADCAP | S_ENOMEM | S_EFAULT, X_ALL, 3},
    [F_EP_REPLY] = {"substrate_ep_reply", fz_ep_reply, OK_INVAL | S_ENOMEM | S_EFAULT, X_ALL, 2},
    [F_IPC_SET_RECEIVE_SLOT] = {"substrate_ipc_set_receive_slot", fz_ipc_set_receive_slot,
                                S_OK | S_EPERM, X_ALL, 2},
    [F_NTFN_SIGNAL] = {"substrate_ntfn_signal", fz_ntfn_signal, S_OK | S_EBADCAP, X_ALL, 3},
    [F_NTFN_WAIT] = {"substrate_ntfn_wait", fz_ntfn_wait, S_OK | S_EBADCAP | S_EFAULT, X_ALL, 3},
    [F_NTFN_POLL] = {"substrate_ntfn_poll", fz_ntfn_poll, OK_INVAL | S_EBADCAP | S_EFAULT, X_ALL,
                     3},
    [F_UNTYPED_RETYPE] = {"substrate_untyped_retype", fz_untyped_retype,
                          OK_INVAL | S_EBADCAP | S_EPERM | S_ENOMEM | S_KERNEL, X_ALL, 3},
    [F_CNODE_COPY] = {"substrate_cnode_copy", fz_cnode_copy,
                      OK_INVAL | S_EPERM | S_EBADCAP | S_KERNEL, X_ALL, 3},
    [F_CNODE_MINT] = {"substrate_cnode_mint", fz_cnode_mint,
                      OK_INVAL | S_EPERM | S_EBADCAP | S_KERNEL, X_ALL, 3},
    [F_CNODE_DELETE] = {"substrate_cnode_delete", fz_cnode_delete, S_OK | S_EPERM | S_KERNEL, X_ALL,
                        3},
    [F_FRAME_MAP] = {"substrate_frame_map", fz_frame_map,
                     OK_INVAL | S_EPERM | S_EBADCAP | S_KERNEL, X_ALL, 3},
    [F_FRAME_UNMAP] = {"substrate_frame_unmap", fz_frame_unmap, S_OK | S_EBADCAP | S_KERNEL, X_ALL,
                       2},
    [F_OBJECT_ALLOC] = {"substrate_object_alloc", fz_object_alloc,
                        OK_INVAL | S_ENOMEM | S_EFAULT, X_ALL, 4},
    [F_SLOT_ALLOC] = {"substrate_slot_alloc", fz_slot_alloc, OK_INVAL | S_ENOMEM | S_EFAULT, X_ALL,
                      2},
    [F_SLOT_FREE] = {"substrate_slot_free", fz_slot_free, OK_INVAL | S_KERNEL, X_ALL, 3},
    [F_MUTEX_INIT] = {"substrate_mutex_init", fz_mutex_init,
                      OK_INVAL | S_EBUSY | S_ENOMEM | S_EFAULT, X_ALL, 2},
    [F_MUTEX_LOCK] = {"substrate_mutex_lock", fz_mutex_lock, OK_INVAL | S_EDEADLK | S_EFAULT, X_ALL,
                      2},
    [F_MUTEX_TRYLOCK] = {"substrate_mutex_trylock", fz_mutex_trylock,
                         OK_INVAL | S_EAGAIN | S_EFAULT, X_ALL, 2},
    [F_MUTEX_UNLOCK] = {"substrate_mutex_unlock", fz_mutex_unlock, OK_INVAL | S_EFAULT, X_ALL, 2},
    [F_MUTEX_DESTROY] = {"substrate_mutex_destroy", fz_mutex_destroy,
                         OK_INVAL | S_EBUSY | S_EFAULT, X_ALL, 2},
    [F_COND_INIT] = {"substrate_cond_init", fz_cond_init, OK_INVAL | S_EBUSY | S_ENOMEM | S_EFAULT,
                     X_ALL, 2},
    [F_COND_WAIT] = {"substrate_cond_wait", fz_cond_wait, OK_INVAL | S_EFAULT, X_ALL, 2},
    [F_COND_SIGNAL] = {"substrate_cond_signal", fz_cond_signal, OK_INVAL | S_EFAULT, X_ALL, 2},
    [F_COND_BROADCAST] = {"substrate_cond_broadcast", fz_cond_broadcast, OK_INVAL | S_EFAULT, X_ALL,
                          2},
    [F_COND_DESTROY] = {"substrate_cond_destroy", fz_cond_destroy, OK_INVAL | S_EBUSY | S_EFAULT,
                        X_ALL, 2},
    [F_THREAD_CREATE] = {"substrate_thread_create", fz_thread_create,
                         OK_INVAL | S_ENOMEM | S_ENOSYS | S_EFAULT, X_ALL, 1},
    [F_THREAD_JOIN] = {"substrate_thread_join", fz_thread_join,
                       OK_INVAL | S_EDEADLK | S_EFAULT, X_ALL, 2},
    [F_THREAD_SELF] = {"substrate_thread_self", fz_thread_self, 0, X_ALL, 1},
    [F_THREAD_YIELD] = {"substrate_thread_yield", fz_thread_yield, 0, X_ALL, 1},
    [F_THREAD_SELF_DATA] = {"substrate_thread_self_data", fz_thread_self_data, 0, X_ALL, 1},
    [F_THREAD_SET_DATA] = {"substrate_thread_set_data", fz_thread_set_data, S_OK | S_ENOMEM, X_ALL,
                           1},
    [F_TIME_NS] = {"substrate_time_ns", fz_time_ns, 0, X_ALL, 1},
    [F_TSC_HZ] = {"substrate_tsc_hz", fz_tsc_hz, 0, X_ALL, 1},
    [F_SLEEP_UNTIL_NS] = {"substrate_sleep_until_ns", fz_sleep_until_ns,
                          S_OK | S_ENOSYS | S_ENOMEM | S_KERNEL, X_ALL, 1},
    [F_SLEEP_NS] = {"substrate_sleep_ns", fz_sleep_ns, S_OK | S_ENOSYS | S_ENOMEM | S_KERNEL, X_ALL,
                    1},
    [F_ALARM_SET] = {"substrate_alarm_set", fz_alarm_set,
                     S_OK | S_EBADCAP | S_EFAULT | S_ENOSYS | S_ENOMEM | S_KERNEL, X_ALL, 2},
    /* 1 or 0 for a number it gave, so S_COUNT and S_OK. */
    [F_ALARM_CANCEL] = {"substrate_alarm_cancel", fz_alarm_cancel,
                        S_COUNT | OK_INVAL | S_ENOSYS, X_ALL, 2},
    [F_REALTIME_NS] = {"substrate_realtime_ns", fz_realtime_ns, 0, X_ALL, 1},
    [F_MSG_MAX_LABEL] = {"substrate_msg_max_label", fz_msg_max_label, 0, X_ALL, 1},
    [F_MAX_BADGE] = {"substrate_max_badge", fz_max_badge, 0, X_ALL, 1},
    [F_SLOT_ALLOC_RANGE] = {"substrate_slot_alloc_range", fz_slot_alloc_range,
                            OK_INVAL | S_ENOMEM | S_EFAULT, X_ALL, 2},
    [F_STATS] = {"substrate_stats", fz_stats, OK_INVAL | S_ENOSYS | S_EFAULT, X_ALL, 1},
    [F_CNODE_SLOTS] = {"substrate_cnode_slots", fz_cnode_slots, 0, X_ALL, 1},
    [F_SYSTEM_RUN] = {"substrate_system_run", fz_system_run, S_ENOSYS, X_ALL, 1},
    [F_SYSTEM_NOTIFY] = {"substrate_system_notify", fz_system_notify,
                         S_OK | S_EPERM | S_EINVAL | S_ENOSYS, X_ALL, 1},
    [F_SYSTEM_CALL] = {"substrate_system_call", fz_system_call,
                       S_OK | S_EAGAIN | S_EPERM | S_EINVAL | S_EFAULT | S_ENOSYS, X_ALL, 1},
    [F_SYSTEM_MR] = {"substrate_system_mr", fz_system_mr, 0, X_ALL, 1},
    [F_SYSTEM_SET_MR] = {"substrate_system_set_mr", fz_system_set_mr, OK_INVAL, X_ALL, 1},
    [F_SYSTEM_NAME] = {"substrate_system_name", fz_system_name, 0, X_ALL, 1},
    [F_SYSTEM_RESTARTS] = {"substrate_system_restarts", fz_system_restarts, 0, X_ALL, 1},
    [F_SYSTEM_PEER_RESTARTS] = {"substrate_system_peer_restarts", fz_system_peer_restarts, 0,
                                X_ALL, 1},
    [F_SYSTEM_REGION] = {"substrate_system_region", fz_system_region,
                         S_OK | S_EINVAL | S_EFAULT | S_ENOSYS, X_ALL, 1},
    [F_SYSTEM_WAIT] = {"substrate_system_wait", fz_system_wait,
                       S_OK | S_EINVAL | S_EFAULT | S_ENOSYS, X_ALL, 1},
    [F_SYSTEM_REPLY] = {"substrate_system_reply", fz_system_reply, S_OK | S_ENOSYS, X_ALL, 1},
    [F_SYSTEM_SET_ALARM] = {"substrate_system_set_alarm", fz_system_set_alarm,
                            S_OK | S_EPERM | S_ENOMEM | S_ENOSYS, X_ALL, 1},
    [F_SYSTEM_TSC_HZ] = {"substrate_system_tsc_hz", fz_system_tsc_hz, 0, X_ALL, 1},
    [F_SYSTEM_BOOT_INFO] = {"substrate_system_boot_info", fz_system_boot_info,
                            S_OK | S_EINVAL | S_EFAULT | S_ENOSYS, X_ALL, 1},
    [F_KERNEL_VERSION] = {"substrate_kernel_version", fz_kernel_version, 0, X_ALL, 1},
    [F_NET_START] = {"substrate_net_start", fz_net_start,
                     S_OK | S_EINVAL | S_EFAULT | S_EBUSY | S_ENOMEM | S_EPROTO | S_ENOSYS, X_ALL, 1},
    [F_NET_POLL] = {"substrate_net_poll", fz_net_poll,
                    S_OK | S_EINVAL | S_EBUSY | S_EPROTO | S_ENOSYS, X_ALL, 1},
    [F_NET_PREPARE_WAIT] = {"substrate_net_prepare_wait", fz_net_prepare_wait,
                            S_OK | S_COUNT | S_EINVAL | S_EFAULT | S_EBUSY | S_ENOSYS, X_ALL, 1},
    [F_NET_DRIVER_RESTARTED] = {"substrate_net_driver_restarted", fz_net_driver_restarted,
                                S_OK | S_EINVAL | S_EBUSY | S_ENOSYS, X_ALL, 1},
    [F_NET_ADDRESS] = {"substrate_net_address", fz_net_address,
                       S_OK | S_EINVAL | S_EFAULT | S_EBUSY | S_ENOTCONN | S_ENOSYS, X_ALL, 1},
    [F_NET_LISTEN] = {"substrate_net_listen", fz_net_listen,
                      S_OK | S_COUNT | S_EINVAL | S_EBUSY | S_EADDRINUSE | S_ENOBUFS | S_ENOSYS,
                      X_ALL, 1},
    [F_NET_ACCEPT] = {"substrate_net_accept", fz_net_accept,
                      S_OK | S_COUNT | S_EINVAL | S_EBUSY | S_EAGAIN | S_ENOBUFS | S_ENOSYS, X_ALL,
                      1},
    [F_NET_CLOSE_LISTENER] = {"substrate_net_close_listener", fz_net_close_listener,
                              S_OK | S_EINVAL | S_EBUSY | S_ENOSYS, X_ALL, 1},
    [F_NET_RECV] = {"substrate_net_recv", fz_net_recv,
                    S_OK | S_COUNT | S_EINVAL | S_EFAULT | S_EBUSY | S_EAGAIN | S_ECONNRESET |
                        S_EPROTO | S_ENOSYS,
                    X_ALL, 1},
    [F_NET_SEND] = {"substrate_net_send", fz_net_send,
                    S_OK | S_COUNT | S_EINVAL | S_EFAULT | S_EBUSY | S_EAGAIN | S_EPIPE |
                        S_ECONNRESET | S_EPROTO | S_ENOSYS,
                    X_ALL, 1},
    [F_NET_CLOSE] = {"substrate_net_close", fz_net_close, S_OK | S_EINVAL | S_EBUSY | S_ENOSYS,
                     X_ALL, 1},
    [F_NET_ABORT] = {"substrate_net_abort", fz_net_abort, S_OK | S_EINVAL | S_EBUSY | S_ENOSYS,
                     X_ALL, 1},
};

/* ---- health check ---------------------------------------------------------------- */

static substrate_mutex_t health_mutex;

static void *health_entry(void *arg)
{
    return (void *)((uintptr_t)arg + 1);
}

static void unhealthy(const char *what, int64_t status)
{
    out_str("fuzz: FAILED health check '");
    out_str(what);
    out_str("' (status ");
    out_dec(status);
    out_str(") after call #");
    out_dec((int64_t)calls);
    out_str(": ");
    out_str(cur_desc());
    out_flush();
    fail_exit();
}

static void health_check(void)
{
    uint8_t *p = substrate_malloc(100);
    if (!p)
        unhealthy("substrate_malloc", 0);
    memset(p, 0x3c, 100);
    substrate_free(p);
    p = malloc(1000); /* newlib's, on sbrk */
    if (!p)
        unhealthy("malloc", 0);
    memset(p, 0x3c, 1000);
    free(p);

    substrate_thread_t t;
    void *res = NULL;
    int r = substrate_thread_create(&t, health_entry, (void *)41);
    if (r != SUBSTRATE_OK)
        unhealthy("substrate_thread_create", r);
    r = substrate_thread_join(t, &res);
    if (r != SUBSTRATE_OK || res != (void *)42)
        unhealthy("substrate_thread_join", r);

    r = substrate_mutex_lock(&health_mutex);
    if (r != SUBSTRATE_OK)
        unhealthy("substrate_mutex_lock", r);
    r = substrate_mutex_unlock(&health_mutex);
    if (r != SUBSTRATE_OK)
        unhealthy("substrate_mutex_unlock", r);

    uint64_t n, badge = 0;
    r = substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &n);
    if (r != SUBSTRATE_OK)
        unhealthy("substrate_object_alloc", r);
    if ((r = substrate_ntfn_signal(n)) != SUBSTRATE_OK ||
        (r = substrate_ntfn_poll(n, &badge)) != SUBSTRATE_OK)
        unhealthy("notification", r);
    if ((r = substrate_slot_free(n)) != SUBSTRATE_OK)
        unhealthy("substrate_slot_free", r);

    static const char msg[] = "fuzz: health ok after call #";
    ptrdiff_t w = substrate_console_write((const uint8_t *)msg, sizeof msg - 1);
    if (w != (ptrdiff_t)sizeof msg - 1)
        unhealthy("substrate_console_write", w);
    out_dec((int64_t)calls);
    out_flush();
}

/* ---- set-up and the main loop ------------------------------------------------------ */

static void setup(void)
{
    max_label = substrate_msg_max_label();
    types_known = substrate_cap_types_known();
    max_badge = substrate_max_badge();
    /* The first slot C gets: everything below is the runtime's. */
    must(substrate_slot_alloc(&first_free_slot), "slot_alloc");
    own_add(first_free_slot, H_EMPTY, true);

    must(substrate_object_alloc(SUBSTRATE_OBJ_ENDPOINT, 0, &server_ep), "server endpoint");
    note_handed(server_ep);
    must(substrate_slot_alloc(&server_ep_ro), "slot");
    note_handed(server_ep_ro);
    must(substrate_cnode_copy(server_ep_ro, server_ep, SUBSTRATE_RIGHT_READ), "read-only copy");
    must(substrate_slot_alloc(&server_ep_wo), "slot");
    note_handed(server_ep_wo);
    must(substrate_cnode_copy(server_ep_wo, server_ep, SUBSTRATE_RIGHT_WRITE | SUBSTRATE_RIGHT_GRANT),
         "write-only copy");
    must(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &peer_go), "peer_go");
    must(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &peer_done), "peer_done");
    note_handed(peer_go);
    note_handed(peer_done);
    must(substrate_slot_alloc(&peer_rslot), "peer receive slot");
    note_handed(peer_rslot);
    must(substrate_slot_alloc(&trash_slot), "main's trash slot");
    note_handed(trash_slot);
    receive_none();

    must(substrate_object_alloc(SUBSTRATE_OBJ_FRAME, 0, &ro_frame), "read-only frame");
    must(substrate_frame_map(ro_frame, (void *)(uintptr_t)VA_READONLY, SUBSTRATE_RIGHT_READ),
         "map the read-only frame");
    ro_page_present = 1;
    note_handed(ro_frame);

    must(substrate_mutex_init(&health_mutex), "health mutex");
    for (int i = 0; i < MAX_MUTEX; i++)
        scribble(&mutexes[i], sizeof mutexes[i]);
    for (int i = 0; i < MAX_COND; i++)
        scribble(&conds[i], sizeof conds[i]);

    must(substrate_thread_create(&peer_thread, peer_main, NULL), "the peer thread");
    /* The peer takes its receive slot on its first command. */
    peer.op = P_NONE;
    peer.busy = 1;
    must(substrate_ntfn_signal(peer_go), "start the peer");
    uint64_t badge;
    must(substrate_ntfn_wait(peer_done, &badge), "the peer's first command");
}

int main(void)
{
    CNODE_SLOTS = substrate_cnode_slots();
    if (CNODE_SLOTS == 0) {
        out_str("fuzz: FAILED: substrate_cnode_slots() is 0 after the runtime started\n");
        return 1;
    }
    rng_state = (uint64_t)FUZZ_SEED;
    out_str("fuzz: seed ");
    out_hex((uint64_t)FUZZ_SEED);
    out_str(" calls ");
    out_dec((int64_t)FUZZ_CALLS);
    out_flush();

    setup();
    out_str("fuzz: first free slot ");
    out_dec((int64_t)first_free_slot);
    out_str(", peer thread ");
    out_dec((int64_t)peer_thread);
    out_flush();

    unsigned total_weight = 0;
    for (int f = 0; f < F_COUNT; f++)
        total_weight += table[f].weight;

    uint64_t next_check = FUZZ_CHECK_EVERY;
    while (calls < (uint64_t)FUZZ_CALLS) {
        uint64_t w = below(total_weight);
        int f = 0;
        while (w >= table[f].weight)
            w -= table[f].weight, f++;
        current = (enum fn)f;
        table[f].fuzz();
        if (calls >= next_check) {
            health_check();
            next_check = calls + FUZZ_CHECK_EVERY;
        }
    }
    peer_settle();
    health_check();

    out_str("fuzz: calls per function:");
    out_flush();
    for (int f = 0; f < F_COUNT; f++) {
        out_str("fuzz:   ");
        out_str(table[f].name);
        out_str(" ");
        out_dec((int64_t)calls_of[f]);
        out_flush();
    }
    out_str("fuzz: ");
    out_dec((int64_t)calls);
    out_str(" calls clean (seed ");
    out_hex((uint64_t)FUZZ_SEED);
    out_str(")");
    out_flush();
    return 0;
}
