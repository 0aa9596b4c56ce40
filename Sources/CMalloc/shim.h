// glibc's heap statistics (mallinfo2), which Swift's Glibc module does not export: tests use them to prove that
// repeated work keeps no memory.
#include <malloc.h>
