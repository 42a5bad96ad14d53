/* stdio buffering: text without a newline stays in stdout's buffer (stdout is
   a terminal, so line buffered) and exit() flushes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static const char marker[] = "marker: written directly\n";
    printf("pending in stdout's buffer, flushed by exit");
    /* Around the buffer: appears first if the printf text was buffered. */
    write(1, marker, strlen(marker));
    exit(0);
}
