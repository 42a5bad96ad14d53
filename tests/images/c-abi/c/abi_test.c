/*
 * Calls every function of substrate.h with valid and invalid arguments on
 * the real kernel and checks the status codes. No C library: output goes
 * through substrate_console_write. Prints "N passed, M failed" and returns
 * 0 only if nothing failed (the runtime turns that into the exit status).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "substrate.h"

static unsigned passed, failed;

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void put(const char *s)
{
    substrate_console_write((const uint8_t *)s, str_len(s));
}

static void put_int(int64_t v)
{
    char buf[24];
    int i = sizeof buf;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    buf[--i] = 0;
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--i] = '-';
    put(&buf[i]);
}

static void put_hex(uint64_t v)
{
    char buf[19];
    int i = sizeof buf;
    buf[--i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    put(&buf[i]);
}

static void check_at(bool ok, const char *what, int line)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    put("FAIL line ");
    put_int(line);
    put(": ");
    put(what);
    put("\n");
}

#define CHECK(cond) check_at((cond), #cond, __LINE__)
/* A status equal to the expected one; prints the actual value on failure. */
#define CHECK_EQ(expr, want)                                                   \
    do {                                                                       \
        int64_t got_ = (int64_t)(expr);                                        \
        if (got_ != (int64_t)(want)) {                                         \
            put("  got ");                                                     \
            put_int(got_);                                                     \
            put("\n");                                                         \
        }                                                                      \
        check_at(got_ == (int64_t)(want), #expr " == " #want, __LINE__);       \
    } while (0)

static bool aligned(const void *p, uintptr_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

static void test_version(void)
{
    CHECK_EQ(substrate_abi_version(), SUBSTRATE_ABI_VERSION);
}

static void test_console(void)
{
    uint8_t buf[64];
    CHECK_EQ(substrate_console_write(NULL, 5), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_console_write(NULL, 0), 0);
    CHECK_EQ(substrate_console_write((const uint8_t *)"c-abi: console\n", 15), 15);
    CHECK_EQ(substrate_console_write(buf, SIZE_MAX), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_console_read(NULL, 1), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_console_read(buf, 0), 0);
    CHECK_EQ(substrate_console_read(buf, SIZE_MAX), SUBSTRATE_EINVAL);

    /* A whole line, from the boot test's serial input. */
    put("c-abi: type a line\n");
    size_t n = 0;
    while (n < sizeof buf - 1) {
        intptr_t r = substrate_console_read(buf + n, sizeof buf - 1 - n);
        CHECK(r > 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (buf[n - 1] == '\n' || buf[n - 1] == '\r')
            break;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = 0;
    put("c-abi: read \"");
    put((const char *)buf);
    put("\"\n");
    CHECK(n > 0);
}

static void test_heap(void)
{
    /* malloc / free */
    uint8_t *p = substrate_malloc(0);
    CHECK(p != NULL);
    substrate_free(p);
    substrate_free(NULL);
    p = substrate_malloc(100);
    CHECK(p != NULL && aligned(p, 16));
    if (p) {
        for (int i = 0; i < 100; i++)
            p[i] = (uint8_t)i;
        bool same = true;
        for (int i = 0; i < 100; i++)
            same = same && p[i] == (uint8_t)i;
        CHECK(same);
    }
    CHECK(substrate_malloc(SIZE_MAX) == NULL);
    CHECK(substrate_malloc((size_t)1 << 40) == NULL);

    /* realloc keeps the contents and fails cleanly */
    uint8_t *q = substrate_realloc(p, 4000);
    CHECK(q != NULL);
    if (q) {
        bool same = true;
        for (int i = 0; i < 100; i++)
            same = same && q[i] == (uint8_t)i;
        CHECK(same);
        CHECK(substrate_realloc(q, SIZE_MAX) == NULL);
        CHECK(q[99] == 99);
        p = substrate_realloc(q, 0);
        CHECK(p != NULL);
        substrate_free(p);
    }
    p = substrate_realloc(NULL, 32);
    CHECK(p != NULL);
    substrate_free(p);

    /* calloc: zeroed, overflow checked */
    uint32_t *z = substrate_calloc(1000, sizeof *z);
    CHECK(z != NULL);
    if (z) {
        bool zero = true;
        for (int i = 0; i < 1000; i++)
            zero = zero && z[i] == 0;
        CHECK(zero);
    }
    substrate_free(z);
    CHECK(substrate_calloc(SIZE_MAX, 2) == NULL);
    CHECK(substrate_calloc(SIZE_MAX / 2 + 1, 2) == NULL);
    CHECK(substrate_calloc((size_t)1 << 32, (size_t)1 << 32) == NULL);

    /* aligned_alloc */
    CHECK(substrate_aligned_alloc(3, 16) == NULL);
    CHECK(substrate_aligned_alloc(0, 16) == NULL);
    CHECK(substrate_aligned_alloc(48, 16) == NULL);
    CHECK(substrate_aligned_alloc((size_t)1 << 63, 16) == NULL);
    void *a = substrate_aligned_alloc(4096, 100);
    CHECK(a != NULL && aligned(a, 4096));
    void *b = substrate_aligned_alloc(1, 1);
    CHECK(b != NULL && aligned(b, 16));
    void *c = substrate_aligned_alloc(64, 1);
    CHECK(c != NULL && aligned(c, 64));
    c = substrate_realloc(c, 10000);
    CHECK(c != NULL && aligned(c, 64));
    substrate_free(a);
    substrate_free(b);
    substrate_free(c);

    /* A double free is reported and ignored, not a crash. */
    p = substrate_malloc(64);
    substrate_free(p);
    substrate_free(p);
    p = substrate_malloc(64);
    CHECK(p != NULL);
    substrate_free(p);

    /* So is a block's old address after realloc moved it, even where the
       old header's bytes survive (a large alignment leaves them untouched),
       and a pointer into a block: the heap stays sound (the blocks around
       keep their contents). */
    uint8_t *keep = substrate_malloc(256);
    for (int i = 0; i < 256; i++)
        keep[i] = (uint8_t)(i ^ 0x5a);
    uint8_t *old = substrate_aligned_alloc(4096, 64);
    uint8_t *moved = substrate_realloc(old, 1 << 20);
    CHECK(old != NULL && moved != NULL && moved != old);
    put("c-abi: stale pointer ");
    put_hex((uintptr_t)old);
    put("\n");
    substrate_free(old);
    CHECK(substrate_realloc(old, 32) == NULL);
    put("c-abi: interior pointer ");
    put_hex((uintptr_t)(keep + 16));
    put("\n");
    substrate_free(keep + 16);
    uint8_t *fresh[8];
    for (int i = 0; i < 8; i++) {
        fresh[i] = substrate_malloc(4096);
        CHECK(fresh[i] != NULL);
        if (fresh[i])
            fresh[i][0] = fresh[i][4095] = (uint8_t)i;
    }
    bool kept = true;
    for (int i = 0; i < 256; i++)
        kept = kept && keep[i] == (uint8_t)(i ^ 0x5a);
    CHECK(kept);
    for (int i = 0; i < 8; i++)
        CHECK(fresh[i] == NULL || (fresh[i][0] == i && fresh[i][4095] == i));
    for (int i = 0; i < 8; i++)
        substrate_free(fresh[i]);
    substrate_free(moved);
    substrate_free(keep);

    /* pages */
    CHECK(substrate_pages_alloc(0) == NULL);
    CHECK(substrate_pages_alloc(SIZE_MAX) == NULL);
    CHECK(substrate_pages_alloc(SIZE_MAX / SUBSTRATE_PAGE_SIZE) == NULL);
    uint8_t *pg = substrate_pages_alloc(2);
    CHECK(pg != NULL && aligned(pg, SUBSTRATE_PAGE_SIZE));
    if (pg) {
        bool zero = true;
        for (int i = 0; i < 2 * SUBSTRATE_PAGE_SIZE; i++)
            zero = zero && pg[i] == 0;
        CHECK(zero);
        pg[2 * SUBSTRATE_PAGE_SIZE - 1] = 1;
    }
    CHECK_EQ(substrate_pages_free(pg, 1), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_pages_free(pg + 1, 2), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_pages_free(pg, 2), SUBSTRATE_OK);
    CHECK_EQ(substrate_pages_free(pg, 2), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_pages_free(NULL, 1), SUBSTRATE_EINVAL);
}

static void test_sbrk(void)
{
    char *start = substrate_sbrk(0);
    CHECK(start != (void *)-1);
    CHECK(substrate_sbrk(4096) == start);
    CHECK(substrate_sbrk(0) == start + 4096);
    start[0] = 1;
    start[4095] = 2;
    CHECK(start[0] == 1 && start[4095] == 2);
    CHECK(substrate_sbrk(INTPTR_MAX) == (void *)-1);
    CHECK(substrate_sbrk(INTPTR_MIN) == (void *)-1);
    CHECK(substrate_sbrk(-8192) == (void *)-1);
    CHECK(substrate_sbrk(0) == start + 4096);
    CHECK(substrate_sbrk(-4096) == start + 4096);
    CHECK(substrate_sbrk(0) == start);
    /* The break grows past 128 MiB (it has no cap below the machine's
       memory; taking all of it would leave nothing for the tests below, as
       what sbrk gives back stays mapped). */
    intptr_t grown = 0;
    while (grown < (intptr_t)192 << 20 && substrate_sbrk(1 << 20) != (void *)-1)
        grown += 1 << 20;
    CHECK(grown == (intptr_t)192 << 20);
    start[grown - 1] = 3;
    CHECK(substrate_sbrk(-grown) != (void *)-1);
    CHECK(substrate_sbrk(0) == start);
}

static void test_time(void)
{
    uint64_t t0 = substrate_time_ns();
    uint64_t hz = substrate_tsc_hz();
    CHECK(hz >= 100000000ull);
    uint64_t prev = t0, t;
    bool monotonic = true;
    /* Spin for 2 ms of measured time; it must keep increasing. */
    do {
        t = substrate_time_ns();
        monotonic = monotonic && t >= prev;
        prev = t;
    } while (t - t0 < 2000000);
    CHECK(monotonic);
    CHECK(t > t0);
}

static void test_alarms(void)
{
    /* Alarms: a badged copy of a notification is signalled at the
       deadline, not before; a cancelled alarm never fires; the slot C
       named may be deleted once the alarm is set. */
    uint64_t n = 0, badged = 0, copy = 0, id = 0, id2 = 0, bits = 0;
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &n), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_alloc(&badged), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_mint(badged, n, SUBSTRATE_RIGHT_WRITE, 0x40), SUBSTRATE_OK);
    uint64_t deadline = substrate_time_ns() + 5000000;
    CHECK_EQ(substrate_alarm_set(badged, deadline, &id), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_wait(n, &bits), SUBSTRATE_OK);
    CHECK(substrate_time_ns() >= deadline);
    CHECK_EQ(bits, 0x40);
    CHECK_EQ(substrate_alarm_cancel(id), 0);
    CHECK_EQ(substrate_alarm_set(badged, UINT64_MAX, &id2), SUBSTRATE_OK);
    CHECK(id2 > id);
    CHECK_EQ(substrate_alarm_cancel(id2), 1);
    CHECK_EQ(substrate_alarm_cancel(id2), 0);
    CHECK_EQ(substrate_alarm_cancel(id2 + 1), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_alarm_set(badged, substrate_time_ns() + 2000000, &id), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_delete(badged), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_wait(n, &bits), SUBSTRATE_OK);
    CHECK_EQ(bits, 0x40);
    CHECK_EQ(substrate_alarm_set(n, 0, NULL), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_alarm_set(badged, 0, &id), SUBSTRATE_EBADCAP);
    /* Without the write right: refused (the kernel would drop the signal). */
    CHECK_EQ(substrate_slot_alloc(&copy), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_copy(copy, n, SUBSTRATE_RIGHT_READ), SUBSTRATE_OK);
    CHECK_EQ(substrate_alarm_set(copy, 0, &id), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ntfn_poll(n, &bits), SUBSTRATE_OK);
    CHECK_EQ(bits, 0);
    /* Give the slots back: the runtime's capabilities are the ones below
       the first slot C holds when test_sel4 starts. */
    uint64_t slots[] = {n, badged, copy};
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(substrate_cnode_delete(slots[i]), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(slots[i]), SUBSTRATE_OK);
    }
}

static void *add_one_fn(void *arg) { return arg; }

static void test_sel4(void)
{
    uint64_t ep = 0, ntfn = 0, empty = 0, ut = 0, s1 = 0, s2 = 0, frame = 0, frame2 = 0;
    uint64_t msg[SUBSTRATE_MSG_MAX_LENGTH + 1] = {0};
    substrate_msginfo_t info;
    uint64_t badge = 0;

    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_ENDPOINT, 0, NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_object_alloc(99, 0, &ep), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_CNODE, 64, &ep), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_UNTYPED, 60, &ep), SUBSTRATE_ENOMEM);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_ENDPOINT, 0, &ep), SUBSTRATE_OK);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &ntfn), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_alloc(NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_slot_alloc(&empty), SUBSTRATE_OK);
    CHECK(ep != 0 && ntfn != 0 && empty != 0);

    /* Pointers into no memory of the program are refused before use: the
       kernel's half, an unmapped address, the first page, a misaligned
       object. The program's own memory (its stack: this thread's locals;
       the heap; the sbrk region) is taken. */
    void *kernel = (void *)(uintptr_t)0xffff800000001000ull;
    void *unmapped = (void *)(uintptr_t)(SUBSTRATE_MAP_BASE + 0x100000000ull);
    CHECK_EQ(substrate_console_write(kernel, 5), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_console_write(unmapped, 5), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_console_write((const uint8_t *)(uintptr_t)0x10, 5), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_console_write((const uint8_t *)msg, SIZE_MAX / 2), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_console_read(kernel, 5), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_ENDPOINT, 0, unmapped), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_slot_alloc((uint64_t *)((uint8_t *)msg + 1)), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_ntfn_poll(ntfn, kernel), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_ep_recv(ep, msg, 4, kernel), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_ep_send(ep, 0, unmapped, 2, NULL, 0), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_mutex_lock(unmapped), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_mutex_init(kernel), SUBSTRATE_EFAULT);
    CHECK_EQ(substrate_stats(unmapped), SUBSTRATE_EFAULT);
    substrate_thread_t tk;
    CHECK_EQ(substrate_thread_create(kernel, add_one_fn, NULL), SUBSTRATE_EFAULT);
    (void)tk;
    char *brk_mem = substrate_sbrk(64);
    CHECK(brk_mem != (void *)-1);
    if (brk_mem != (void *)-1) {
        brk_mem[0] = 'o';
        brk_mem[1] = 'k';
        brk_mem[2] = '\n';
        CHECK_EQ(substrate_console_write((const uint8_t *)brk_mem, 3), 3);
        substrate_sbrk(-64);
    }

    /* None of the runtime's capabilities (every slot below C's first one:
       its CNode, TCBs, frames, untyped memory, the notifications its locks
       sleep on) can be used through the ABI: a poll or wait would steal a
       runtime thread's wake-up, an unmap would pull its memory away. */
    bool none_usable = true;
    for (uint64_t s = 0; s < ep; s++) {
        uint64_t b;
        none_usable = none_usable && substrate_ntfn_poll(s, &b) == SUBSTRATE_EBADCAP
                      && substrate_ntfn_signal(s) == SUBSTRATE_EBADCAP
                      && substrate_frame_unmap(s) == SUBSTRATE_EBADCAP
                      && substrate_cnode_delete(s) == SUBSTRATE_EPERM;
    }
    CHECK(none_usable);

    /* notifications */
    CHECK_EQ(substrate_ntfn_signal(ep), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ntfn_signal(empty), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ntfn_poll(ntfn, NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ntfn_poll(ep, &badge), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ntfn_wait(empty, &badge), SUBSTRATE_EBADCAP);
    badge = 99;
    CHECK_EQ(substrate_ntfn_poll(ntfn, &badge), SUBSTRATE_OK);
    CHECK_EQ(badge, 0);
    CHECK_EQ(substrate_slot_alloc(&s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_mint(s1, ntfn, SUBSTRATE_RIGHTS_ALL, 0x5), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_signal(s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_poll(ntfn, &badge), SUBSTRATE_OK);
    CHECK_EQ(badge, 0x5);
    CHECK_EQ(substrate_ntfn_signal(s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_wait(ntfn, &badge), SUBSTRATE_OK);
    CHECK_EQ(badge, 0x5);
    CHECK_EQ(substrate_ntfn_poll(ntfn, &badge), SUBSTRATE_OK);
    CHECK_EQ(badge, 0);
    CHECK_EQ(substrate_slot_free(s1), SUBSTRATE_OK);

    /* Badges: the widest one the kernel stores arrives whole; one bit more
       is refused instead of being truncated into another client's badge. */
    uint64_t max_badge = substrate_max_badge();
    CHECK(max_badge >= 0xfffffffull && (max_badge & (max_badge + 1)) == 0);
    CHECK_EQ(substrate_slot_alloc(&s1), SUBSTRATE_OK);
    if (max_badge != UINT64_MAX)
        CHECK_EQ(substrate_cnode_mint(s1, ntfn, SUBSTRATE_RIGHTS_ALL, max_badge + 1),
                 SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_cnode_mint(s1, ntfn, SUBSTRATE_RIGHTS_ALL, max_badge), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_signal(s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_poll(ntfn, &badge), SUBSTRATE_OK);
    CHECK_EQ(badge, max_badge);
    CHECK_EQ(substrate_slot_free(s1), SUBSTRATE_OK);

    /* endpoints: argument checks (messages between threads: test_threads) */
    CHECK_EQ(substrate_ep_send(ep, 0, NULL, 1, NULL, 0), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_send(ep, 0, msg, SUBSTRATE_MSG_MAX_LENGTH + 1, NULL, 0),
             SUBSTRATE_EINVAL);
    uint64_t max_label = substrate_msg_max_label();
    CHECK(max_label >= 0xfffffull && (max_label & (max_label + 1)) == 0);
    CHECK_EQ(substrate_ep_send(ep, max_label + 1, msg, 1, NULL, 0), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_send(ep, UINT64_MAX, msg, 1, NULL, 0), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_send(ep, 0, msg, 1, NULL, 1), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_send(ep, 0, msg, 1, msg, SUBSTRATE_MSG_MAX_CAPS + 1),
             SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_send(ntfn, 0, msg, 1, NULL, 0), SUBSTRATE_EBADCAP);
    /* The runtime's own TCB and CNode (slots 1 and 2) are no endpoints, on
       release kernels too (no seL4_DebugCapIdentify there): an IPC on them
       would invoke their methods with the caller's label. */
    CHECK_EQ(substrate_ep_send(1, 0, msg, 1, NULL, 0), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ep_send(2, 0, msg, 1, NULL, 0), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ep_call(1, 0, msg, 1, NULL, 0, msg, 4, &info), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ntfn_signal(2), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_untyped_retype(1, SUBSTRATE_OBJ_FRAME, 0, empty, 1), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ep_send(empty, 0, msg, 1, NULL, 0), SUBSTRATE_EBADCAP);
    msg[0] = empty;
    CHECK_EQ(substrate_ep_send(ep, 0, NULL, 0, msg, 1), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ep_recv(ep, NULL, 0, NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_recv(ep, NULL, 4, &info), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_recv(ntfn, msg, 4, &info), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ep_call(ep, 0, NULL, 2, NULL, 0, msg, 4, &info), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_call(ep, 0, msg, 1, NULL, 0, msg, 4, NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_call(ep, 0, msg, 1, NULL, 0, NULL, 4, &info), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_call(empty, 0, msg, 1, NULL, 0, msg, 4, &info), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_ep_reply(0, NULL, 3), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_ep_reply(0, msg, SUBSTRATE_MSG_MAX_LENGTH + 1), SUBSTRATE_EINVAL);
    /* No caller: the kernel drops the reply. */
    CHECK_EQ(substrate_ep_reply(0, NULL, 0), SUBSTRATE_OK);
    CHECK_EQ(substrate_ipc_set_receive_slot(0), SUBSTRATE_OK);
    /* Only a slot of C's own can receive. */
    CHECK_EQ(substrate_ipc_set_receive_slot(1), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_ipc_set_receive_slot(UINT64_MAX), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_ipc_set_receive_slot(empty), SUBSTRATE_OK);
    CHECK_EQ(substrate_ipc_set_receive_slot(0), SUBSTRATE_OK);

    /* untyped retype */
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_UNTYPED, 12, &ut), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_alloc(&s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_alloc(&s2), SUBSTRATE_OK);
    CHECK_EQ(substrate_untyped_retype(ep, SUBSTRATE_OBJ_FRAME, 0, s1, 1), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_untyped_retype(empty, SUBSTRATE_OBJ_FRAME, 0, s1, 1), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_untyped_retype(ut, 99, 0, s1, 1), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_untyped_retype(ut, SUBSTRATE_OBJ_FRAME, 0, s1, 0), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_untyped_retype(ut, SUBSTRATE_OBJ_FRAME, 0, UINT64_MAX, 2),
             SUBSTRATE_EINVAL);
    /* Only into C's own slots: not the runtime's (slot 1 is the initial
       thread's TCB), not slots the allocator still holds. */
    CHECK_EQ(substrate_untyped_retype(ut, SUBSTRATE_OBJ_FRAME, 0, 1, 1), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_untyped_retype(ut, SUBSTRATE_OBJ_FRAME, 0, s1, 1), SUBSTRATE_OK);
    /* The 4 KiB untyped is used up. */
    CHECK_EQ(substrate_untyped_retype(ut, SUBSTRATE_OBJ_FRAME, 0, s2, 1), SUBSTRATE_ENOMEM);
    frame = s1;

    /* cnode copy / mint / delete */
    CHECK_EQ(substrate_cnode_copy(s2, ep, SUBSTRATE_RIGHTS_ALL), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_copy(s2, ep, SUBSTRATE_RIGHTS_ALL), SUBSTRATE_ESEL4_DELETE_FIRST);
    /* The runtime's slots are not C's to fill or empty. */
    CHECK_EQ(substrate_cnode_copy(1, ep, SUBSTRATE_RIGHTS_ALL), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_cnode_mint(2, ep, SUBSTRATE_RIGHTS_ALL, 1), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_cnode_delete(1), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_cnode_delete(2), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_cnode_delete(UINT64_MAX), SUBSTRATE_EPERM);
    CHECK_EQ(substrate_cnode_copy(s2, ep, 0x100), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_cnode_mint(s2, ep, 0x100, 1), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_cnode_copy(empty, s2, SUBSTRATE_RIGHT_READ), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_delete(empty), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_delete(empty), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_copy(s2, empty, SUBSTRATE_RIGHTS_ALL), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_cnode_delete(s2), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_mint(s2, empty, SUBSTRATE_RIGHTS_ALL, 7), SUBSTRATE_EBADCAP);

    /* frames */
    /* Only inside C's own address range: not over the thread stacks (1 GiB
       up), the sbrk region or the image. */
    uint8_t *va = (uint8_t *)(uintptr_t)SUBSTRATE_MAP_BASE;
    CHECK_EQ(substrate_frame_map(frame, (void *)(uintptr_t)0x40000000, SUBSTRATE_RIGHT_READ),
             SUBSTRATE_EPERM);
    CHECK_EQ(substrate_frame_map(frame, (void *)(uintptr_t)0x1000000000ull, SUBSTRATE_RIGHT_READ),
             SUBSTRATE_EPERM);
    CHECK_EQ(substrate_frame_map(frame, (void *)(uintptr_t)(SUBSTRATE_MAP_END - 4096),
                                 SUBSTRATE_RIGHT_READ),
             SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_unmap(frame), SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_map(frame, NULL, SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_frame_map(frame, va + 1, SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_frame_map(frame, va, SUBSTRATE_RIGHT_GRANT), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_frame_map(ep, va, SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_frame_map(empty, va, SUBSTRATE_RIGHT_READ), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_frame_map(frame, va, SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_OK);
    va[0] = 42;
    va[4095] = 43;
    CHECK(va[0] == 42 && va[4095] == 43);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_FRAME, 0, &frame2), SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_map(frame2, va, SUBSTRATE_RIGHT_READ), SUBSTRATE_ESEL4_DELETE_FIRST);
    CHECK_EQ(substrate_frame_unmap(ep), SUBSTRATE_EBADCAP);
    CHECK_EQ(substrate_frame_unmap(frame), SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_map(frame2, va, SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_OK);
    CHECK(va[0] == 0);
    CHECK_EQ(substrate_frame_unmap(frame2), SUBSTRATE_OK);
    /* Unmapping an unmapped frame succeeds (seL4 5.0 answers that unmap
       without a reply: the invocation's label would read as an error). */
    CHECK_EQ(substrate_frame_unmap(frame2), SUBSTRATE_OK);

    /* A 2 MiB frame from substrate_object_alloc is mapped as one, far from
       everything else (no page directory there yet): 2 MiB alignment needed,
       contents at both ends, nothing 4 KiB fits inside, and no page table is
       created (after an unmap it maps at the same address again, which a
       page table there would block). */
    uint64_t large, large_copy, small3;
    uint8_t *lva = (uint8_t *)(uintptr_t)0x7e0000000000ull;
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_LARGE_FRAME, 0, &large), SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_map(large, lva + 4096, SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_frame_map(large, (void *)(uintptr_t)0x800000000000ull,
                                 SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_EINVAL);
    /* A copy is not known to be 2 MiB: mapped as 4 KiB it fails where a page
       table would be needed, and leaves nothing behind. */
    CHECK_EQ(substrate_slot_alloc(&large_copy), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_copy(large_copy, large, SUBSTRATE_RIGHTS_ALL), SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_map(large_copy, lva, SUBSTRATE_RIGHT_READ),
             SUBSTRATE_ESEL4_DELETE_FIRST);
    CHECK_EQ(substrate_frame_map(large, lva, SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE),
             SUBSTRATE_OK);
    lva[0] = 1;
    lva[(2u << 20) - 1] = 2;
    CHECK(lva[0] == 1 && lva[(2u << 20) - 1] == 2 && lva[1u << 20] == 0);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_FRAME, 0, &small3), SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_map(small3, lva + (1u << 20), SUBSTRATE_RIGHT_READ),
             SUBSTRATE_ESEL4_DELETE_FIRST);
    CHECK_EQ(substrate_frame_unmap(large), SUBSTRATE_OK);
    CHECK_EQ(substrate_frame_map(large, lva, SUBSTRATE_RIGHT_READ), SUBSTRATE_OK);
    CHECK(lva[0] == 1 && lva[(2u << 20) - 1] == 2);
    CHECK_EQ(substrate_frame_unmap(large), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(small3), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(large_copy), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(large), SUBSTRATE_OK);

    CHECK_EQ(substrate_slot_free(frame), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(frame2), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(s2), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(ut), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(empty), SUBSTRATE_OK);

    /* Several objects at once, into a run of C's own slots. */
    uint64_t run = 0, ut2 = 0;
    CHECK_EQ(substrate_slot_alloc_range(0, &run), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_slot_alloc_range(SUBSTRATE_SLOT_RANGE_MAX + 1, &run), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_slot_alloc_range(4, NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_slot_alloc_range(4, &run), SUBSTRATE_OK);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_UNTYPED, 16, &ut2), SUBSTRATE_OK);
    CHECK_EQ(substrate_untyped_retype(ut2, SUBSTRATE_OBJ_NOTIFICATION, 0, run, 5),
             SUBSTRATE_EPERM);
    CHECK_EQ(substrate_untyped_retype(ut2, SUBSTRATE_OBJ_NOTIFICATION, 0, run, 4), SUBSTRATE_OK);
    for (uint64_t i = 0; i < 4; i++) {
        CHECK_EQ(substrate_ntfn_signal(run + i), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(run + i), SUBSTRATE_OK);
    }
    CHECK_EQ(substrate_slot_free(ut2), SUBSTRATE_OK);

    /* Copies without the right an invocation needs are refused before the
       kernel sees them: a receive on an endpoint or a wait on a
       notification without the read right faults the thread, a send or
       signal without the write right is dropped in silence, a call
       without a grant right never returns. */
    {
        uint64_t ro = 0, wo = 0, w_nogrant = 0, n_ro = 0, n_wo = 0;
        CHECK_EQ(substrate_slot_alloc(&ro), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_alloc(&wo), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_alloc(&w_nogrant), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_alloc(&n_ro), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_alloc(&n_wo), SUBSTRATE_OK);
        CHECK_EQ(substrate_cnode_copy(ro, ep, SUBSTRATE_RIGHT_READ), SUBSTRATE_OK);
        CHECK_EQ(substrate_cnode_copy(wo, ep, SUBSTRATE_RIGHT_WRITE | SUBSTRATE_RIGHT_GRANT),
                 SUBSTRATE_OK);
        /* A copy of a copy keeps the smaller rights: no read right here. */
        CHECK_EQ(substrate_cnode_mint(w_nogrant, wo, SUBSTRATE_RIGHT_WRITE | SUBSTRATE_RIGHT_READ, 7),
                 SUBSTRATE_OK);
        CHECK_EQ(substrate_cnode_copy(n_ro, ntfn, SUBSTRATE_RIGHT_READ), SUBSTRATE_OK);
        CHECK_EQ(substrate_cnode_copy(n_wo, ntfn, SUBSTRATE_RIGHT_WRITE), SUBSTRATE_OK);
        CHECK_EQ(substrate_ep_send(ro, 1, NULL, 0, NULL, 0), SUBSTRATE_EBADCAP);
        CHECK_EQ(substrate_ep_recv(wo, msg, 1, &info), SUBSTRATE_EBADCAP);
        CHECK_EQ(substrate_ep_recv(w_nogrant, msg, 1, &info), SUBSTRATE_EBADCAP);
        CHECK_EQ(substrate_ep_call(ro, 1, NULL, 0, NULL, 0, msg, 1, &info), SUBSTRATE_EBADCAP);
        CHECK_EQ(substrate_ep_call(w_nogrant, 1, NULL, 0, NULL, 0, msg, 1, &info),
                 SUBSTRATE_EBADCAP);
        CHECK_EQ(substrate_ntfn_signal(n_ro), SUBSTRATE_EBADCAP);
        CHECK_EQ(substrate_ntfn_wait(n_wo, &badge), SUBSTRATE_EBADCAP);
        CHECK_EQ(substrate_ntfn_poll(n_wo, &badge), SUBSTRATE_EBADCAP);
        /* The rights they have work. */
        CHECK_EQ(substrate_ntfn_signal(n_wo), SUBSTRATE_OK);
        CHECK_EQ(substrate_ntfn_poll(n_ro, &badge), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(ro), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(wo), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(w_nogrant), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(n_ro), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(n_wo), SUBSTRATE_OK);
    }

    /* A slot freed twice, or never handed out, is refused: a second copy on
       the allocator's free list would give one slot to two objects. */
    CHECK_EQ(substrate_slot_free(empty), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_slot_free(UINT64_MAX), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &s2), SUBSTRATE_OK);
    CHECK(s1 != s2);
    CHECK_EQ(substrate_ntfn_signal(s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_signal(s2), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(s1), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(s2), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(ep), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(ntfn), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(ep), SUBSTRATE_EINVAL);
}

/* ---- threads, mutexes, condition variables, IPC between threads ---- */

static substrate_mutex_t lock;
static substrate_cond_t cond;
static volatile int stage, arrived, returned;
static uint64_t server_ep;

static void *add_one(void *arg)
{
    return (void *)((uintptr_t)arg + 1);
}

static void *waiter(void *arg)
{
    (void)arg;
    int r = substrate_mutex_lock(&lock);
    arrived++;
    while (r == SUBSTRATE_OK && stage == 0)
        r = substrate_cond_wait(&cond, &lock);
    stage++;
    returned++;
    substrate_mutex_unlock(&lock);
    return (void *)(intptr_t)r;
}

static void *own_data(void *arg)
{
    if (substrate_thread_self_data() != NULL)
        return (void *)1;
    if (substrate_thread_set_data(arg) != SUBSTRATE_OK)
        return (void *)2;
    substrate_thread_yield();
    return substrate_thread_self_data() == arg ? NULL : (void *)3;
}

static void *other_unlock(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)substrate_mutex_unlock(&lock);
}

/* Answers one call: label + 1 and the words doubled. */
static void *server(void *arg)
{
    (void)arg;
    uint64_t words[8];
    substrate_msginfo_t info;
    int r = substrate_ep_recv(server_ep, words, 8, &info);
    if (r != SUBSTRATE_OK)
        return (void *)(intptr_t)r;
    for (uint64_t i = 0; i < info.length && i < 8; i++)
        words[i] *= 2;
    r = substrate_ep_reply(info.label + 1, words, info.length < 8 ? info.length : 8);
    if (r != SUBSTRATE_OK)
        return (void *)(intptr_t)r;
    /* Then one plain send, received with a short buffer. */
    r = substrate_ep_recv(server_ep, words, 2, &info);
    if (r != SUBSTRATE_OK)
        return (void *)(intptr_t)r;
    return (void *)(uintptr_t)(info.length * 100 + words[0] + words[1]);
}

static uint64_t recv_slot;

/* Receives one message on server_ep: with a receive slot (arg non-null) it
   must bring a capability, which it signals; without one (a new thread on
   a pooled thread's resources) nothing may arrive: 1000 + caps received. */
static void *cap_receiver(void *arg)
{
    uint64_t word;
    substrate_msginfo_t info;
    int r;
    if (arg != NULL && (r = substrate_ipc_set_receive_slot(recv_slot)) != SUBSTRATE_OK)
        return (void *)(intptr_t)r;
    /* arg 2: a receive slot set, then taken back with slot 0 ("none"). */
    if (arg == (void *)2) {
        if ((r = substrate_ipc_set_receive_slot(0)) != SUBSTRATE_OK)
            return (void *)(intptr_t)r;
        arg = NULL;
    }
    r = substrate_ep_recv(server_ep, &word, 1, &info);
    if (r != SUBSTRATE_OK)
        return (void *)(intptr_t)r;
    if (arg == NULL)
        return (void *)(uintptr_t)(1000 + info.extra_caps);
    if (info.extra_caps != 1 || info.caps_unwrapped != 0 || word != 7)
        return (void *)2000;
    /* arg 3: a badged endpoint came; sending on it reaches main with the badge. */
    if (arg == (void *)3)
        return (void *)(intptr_t)substrate_ep_send(recv_slot, 5, &word, 1, NULL, 0);
    /* A received notification is of unknown type where the kernel cannot
       tell types (release builds): refused there rather than invoked. */
    r = substrate_ntfn_signal(recv_slot);
    if (!substrate_cap_types_known())
        return (void *)(intptr_t)(r == SUBSTRATE_EBADCAP ? SUBSTRATE_OK : 3000 + r);
    return (void *)(intptr_t)r;
}

static void *join_self(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)substrate_thread_join(substrate_thread_self(), NULL);
}

static void *null_deref(void *arg)
{
    return (void *)(uintptr_t) * (volatile int *)arg;
}

static void test_threads(void)
{
    substrate_thread_t t, t2;
    void *res = NULL;

    CHECK_EQ(substrate_thread_create(NULL, add_one, NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_thread_create(&t, NULL, NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_thread_join(12345, &res), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_thread_create(&t, add_one, (void *)41), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK(res == (void *)42);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_EINVAL);
    /* main runs on a thread of its own; its handle is not joinable here. */
    CHECK(substrate_thread_self() != 0 && substrate_thread_self() != t);
    CHECK_EQ(substrate_thread_join(substrate_thread_self(), &res), SUBSTRATE_EDEADLK);
    /* A thread joining itself would wait forever: EDEADLK, and its handle
       stays joinable. */
    CHECK_EQ(substrate_thread_create(&t, join_self, NULL), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK_EQ((intptr_t)res, SUBSTRATE_EDEADLK);

    /* per-thread data */
    CHECK_EQ(substrate_thread_set_data((void *)7), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_create(&t, own_data, (void *)9), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK_EQ((uintptr_t)res, 0);
    CHECK(substrate_thread_self_data() == (void *)7);

    /* mutex argument checks */
    substrate_mutex_t bad = {{0}};
    CHECK_EQ(substrate_mutex_init(NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_lock(NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_lock(&bad), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_unlock(&bad), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_trylock(&bad), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_destroy(&bad), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_init(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_mutex_unlock(&lock), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_lock(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_mutex_lock(&lock), SUBSTRATE_EDEADLK);
    CHECK_EQ(substrate_mutex_trylock(&lock), SUBSTRATE_EAGAIN);
    CHECK_EQ(substrate_mutex_destroy(&lock), SUBSTRATE_EBUSY);
    /* A live mutex cannot be initialised again (its state would be lost). */
    CHECK_EQ(substrate_mutex_init(&lock), SUBSTRATE_EBUSY);
    CHECK_EQ(substrate_thread_create(&t, other_unlock, NULL), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK(res == (void *)(intptr_t)SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_unlock(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_mutex_trylock(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_mutex_unlock(&lock), SUBSTRATE_OK);

    /* condition variables: two waiters, one broadcast */
    substrate_cond_t badc = {{0}};
    CHECK_EQ(substrate_cond_init(NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_cond_signal(&badc), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_cond_broadcast(NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_cond_init(&cond), SUBSTRATE_OK);
    CHECK_EQ(substrate_cond_init(&cond), SUBSTRATE_EBUSY);
    CHECK_EQ(substrate_cond_wait(&cond, &lock), SUBSTRATE_EINVAL); /* not held */
    CHECK_EQ(substrate_cond_wait(&badc, &lock), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_cond_signal(&cond), SUBSTRATE_OK); /* nobody waits */
    CHECK_EQ(substrate_thread_create(&t, waiter, NULL), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_create(&t2, waiter, NULL), SUBSTRATE_OK);
    /* Both waiters are inside cond_wait: they counted themselves under the
       lock, and the lock is free again, which only cond_wait does while they
       hold it. 50 ms later neither has come out: they are blocked, not
       spinning past the condition. */
    bool both_in = false;
    for (int i = 0; i < 100000 && !both_in; i++) {
        CHECK_EQ(substrate_mutex_lock(&lock), SUBSTRATE_OK);
        both_in = arrived == 2;
        CHECK_EQ(substrate_mutex_unlock(&lock), SUBSTRATE_OK);
        substrate_thread_yield();
    }
    CHECK(both_in);
    uint64_t t_wait = substrate_time_ns();
    while (substrate_time_ns() - t_wait < 50000000)
        substrate_thread_yield();
    CHECK_EQ(returned, 0);
    CHECK_EQ(substrate_mutex_lock(&lock), SUBSTRATE_OK);
    /* Waited on: not destroyable. */
    CHECK_EQ(substrate_cond_destroy(&cond), SUBSTRATE_EBUSY);
    stage = 1;
    CHECK_EQ(substrate_cond_broadcast(&cond), SUBSTRATE_OK);
    CHECK_EQ(substrate_mutex_unlock(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK(res == (void *)SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t2, &res), SUBSTRATE_OK);
    CHECK(res == (void *)SUBSTRATE_OK);
    /* Both were woken by the one broadcast. */
    CHECK_EQ(stage, 3);
    CHECK_EQ(returned, 2);
    CHECK_EQ(substrate_cond_destroy(&cond), SUBSTRATE_OK);
    CHECK_EQ(substrate_cond_signal(&cond), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_destroy(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_mutex_lock(&lock), SUBSTRATE_EINVAL);

    /* Creating and destroying locks without end costs nothing: destroyed
       ones' notifications are reused. */
    substrate_stats_t before, after;
    CHECK_EQ(substrate_stats(NULL), SUBSTRATE_EINVAL);
    CHECK_EQ(substrate_mutex_init(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_mutex_destroy(&lock), SUBSTRATE_OK);
    CHECK_EQ(substrate_stats(&before), SUBSTRATE_OK);
    CHECK(before.free_slots > 0 && before.free_untyped_bytes > 0);
    for (int i = 0; i < 5000; i++) {
        if (substrate_mutex_init(&lock) != SUBSTRATE_OK
            || substrate_cond_init(&cond) != SUBSTRATE_OK
            || substrate_cond_destroy(&cond) != SUBSTRATE_OK
            || substrate_mutex_destroy(&lock) != SUBSTRATE_OK) {
            CHECK(!"mutex/cond init and destroy");
            break;
        }
    }
    CHECK_EQ(substrate_stats(&after), SUBSTRATE_OK);
    CHECK_EQ(after.free_slots, before.free_slots);
    CHECK_EQ(after.free_untyped_bytes, before.free_untyped_bytes);

    /* IPC between threads: call/reply, then send with a short receive buffer */
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_ENDPOINT, 0, &server_ep), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_create(&t, server, NULL), SUBSTRATE_OK);
    uint64_t words[3] = {1, 2, 3}, reply[8] = {0};
    substrate_msginfo_t info;
    /* The widest label the kernel carries gets through whole (the server
       answers label + 1). */
    CHECK_EQ(substrate_ep_call(server_ep, substrate_msg_max_label() - 1, words, 3, NULL, 0,
                               reply, 8, &info),
             SUBSTRATE_OK);
    CHECK(info.label == substrate_msg_max_label() && info.length == 3);
    CHECK(reply[0] == 2 && reply[1] == 4 && reply[2] == 6);
    uint64_t many[SUBSTRATE_MSG_MAX_LENGTH];
    for (int i = 0; i < SUBSTRATE_MSG_MAX_LENGTH; i++)
        many[i] = (uint64_t)i + 5;
    CHECK_EQ(substrate_ep_send(server_ep, 0, many, SUBSTRATE_MSG_MAX_LENGTH, NULL, 0),
             SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK(res == (void *)(uintptr_t)(SUBSTRATE_MSG_MAX_LENGTH * 100 + 5 + 6));

    /* A capability really moves: a badged notification sent over the
       endpoint lands in the receiver's slot, and its signal carries the
       badge. A thread that set no receive slot (even one reusing a pooled
       thread's IPC buffer) receives none. */
    uint64_t sent_ntfn = 0, badged = 0, polled = 0, one = 7;
    CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_NOTIFICATION, 0, &sent_ntfn), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_alloc(&badged), SUBSTRATE_OK);
    CHECK_EQ(substrate_cnode_mint(badged, sent_ntfn, SUBSTRATE_RIGHTS_ALL, 0x42), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_alloc(&recv_slot), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_create(&t, cap_receiver, (void *)1), SUBSTRATE_OK);
    CHECK_EQ(substrate_ep_send(server_ep, 0, &one, 1, &badged, 1), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK_EQ((intptr_t)res, SUBSTRATE_OK);
    CHECK_EQ(substrate_ntfn_poll(sent_ntfn, &polled), SUBSTRATE_OK);
    CHECK_EQ(polled, substrate_cap_types_known() ? 0x42 : 0);
    CHECK_EQ(substrate_cnode_delete(recv_slot), SUBSTRATE_OK);
    /* A received endpoint can be sent on, on every kernel. */
    {
        /* Another endpoint than the one it travels over (a capability
           to that one would arrive unwrapped, as its badge only). */
        uint64_t ep2 = 0, badged_ep = 0, w = 0;
        substrate_msginfo_t mi;
        CHECK_EQ(substrate_object_alloc(SUBSTRATE_OBJ_ENDPOINT, 0, &ep2), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_alloc(&badged_ep), SUBSTRATE_OK);
        CHECK_EQ(substrate_cnode_mint(badged_ep, ep2, SUBSTRATE_RIGHTS_ALL, 0x43), SUBSTRATE_OK);
        CHECK_EQ(substrate_thread_create(&t, cap_receiver, (void *)3), SUBSTRATE_OK);
        CHECK_EQ(substrate_ep_send(server_ep, 0, &one, 1, &badged_ep, 1), SUBSTRATE_OK);
        CHECK_EQ(substrate_ep_recv(ep2, &w, 1, &mi), SUBSTRATE_OK);
        CHECK(mi.badge == 0x43 && mi.label == 5 && w == 7);
        CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
        CHECK_EQ((intptr_t)res, SUBSTRATE_OK);
        CHECK_EQ(substrate_cnode_delete(recv_slot), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(badged_ep), SUBSTRATE_OK);
        CHECK_EQ(substrate_slot_free(ep2), SUBSTRATE_OK);
    }
    /* Emptied, the slot could take another capability: the next thread
       (on the same pooled resources) must still receive none there. */
    CHECK_EQ(substrate_cnode_delete(recv_slot), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_create(&t, cap_receiver, NULL), SUBSTRATE_OK);
    CHECK_EQ(substrate_ep_send(server_ep, 0, &one, 1, &badged, 1), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK_EQ((uintptr_t)res, 1000);
    CHECK_EQ(substrate_thread_create(&t, cap_receiver, (void *)2), SUBSTRATE_OK);
    CHECK_EQ(substrate_ep_send(server_ep, 0, &one, 1, &badged, 1), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_OK);
    CHECK_EQ((uintptr_t)res, 1000);
    CHECK_EQ(substrate_slot_free(recv_slot), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(badged), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(sent_ntfn), SUBSTRATE_OK);
    CHECK_EQ(substrate_slot_free(server_ep), SUBSTRATE_OK);

    /* A faulting thread is reported by join. */
    CHECK_EQ(substrate_thread_create(&t, null_deref, NULL), SUBSTRATE_OK);
    CHECK_EQ(substrate_thread_join(t, &res), SUBSTRATE_EFAULT);
}

int main(int argc, char **argv)
{
    CHECK(argc == 1 && argv[0] != NULL && argv[1] == NULL);
    test_version();
    test_console();
    test_heap();
    test_sbrk();
    test_time();
    test_sel4();
    test_threads();
    test_alarms();
    put_int(passed);
    put(" passed, ");
    put_int(failed);
    put(" failed\n");
    return failed == 0 ? 0 : 1;
}
