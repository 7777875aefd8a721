/* extxip-imgtool: imgtool-compatible MCUboot image signer, verifier and key tool. */
#include "imgtool.h"

int main(int argc, char **argv)
{
    return it_main(argc, argv);
}
