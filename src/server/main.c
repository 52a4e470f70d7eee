/* main.c - placeholder until the server lands. */
#include <stdio.h>
int main(void)
{
    puts("rockset-local: not built yet");
    return 1;
}
