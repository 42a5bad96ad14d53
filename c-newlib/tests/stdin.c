/* scanf on stdin, fed by the runner through the serial port. */
#include <stdio.h>

int main(void)
{
    char word[32];
    int number;

    printf("type a word and a number:\n");
    if (scanf("%31s %d", word, &number) != 2) {
        printf("read FAILED\n");
        return 1;
    }
    printf("read: word \"%s\", number %d, doubled %d\n", word, number, number * 2);
    return 0;
}
