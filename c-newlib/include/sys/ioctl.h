/*
 * <sys/ioctl.h> for C programs on sel4-substrate (newlib has none for
 * x86_64-elf). The console has no window size and no terminal settings:
 * ioctl on descriptors 0-2 fails with ENOTTY, on any other with EBADF
 * (c-newlib/syscalls.c).
 */
#ifndef SUBSTRATE_SYS_IOCTL_H
#define SUBSTRATE_SYS_IOCTL_H

#ifdef __cplusplus
extern "C" {
#endif

struct winsize {
    unsigned short ws_row;
    unsigned short ws_col;
    unsigned short ws_xpixel;
    unsigned short ws_ypixel;
};

/* Linux's request numbers, so code that names them compiles. */
#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
#define FIONREAD 0x541B
#define FIONBIO 0x5421

int ioctl(int fd, unsigned long request, ...);

#ifdef __cplusplus
}
#endif

#endif
