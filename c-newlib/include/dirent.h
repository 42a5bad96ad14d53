/*
 * <dirent.h> for C programs on sel4-substrate (newlib's own, for x86_64-elf,
 * is an #error). There is no file system: the one directory is "/", and it
 * is empty. opendir("/") and opendir(".") succeed and readdir gives no entry;
 * any other path fails with ENOENT (c-newlib/syscalls.c).
 */
#ifndef SUBSTRATE_DIRENT_H
#define SUBSTRATE_DIRENT_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAXNAMLEN 255

struct dirent {
    ino_t d_ino;
    unsigned char d_type;
    char d_name[MAXNAMLEN + 1];
};

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8

/* An open directory stream (opaque). */
typedef struct substrate_dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *dir);
void rewinddir(DIR *dir);
int closedir(DIR *dir);

#ifdef __cplusplus
}
#endif

#endif
