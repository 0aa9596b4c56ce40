// glibc's heap functions that Swift's Glibc module does not export: mallinfo2 (tests prove repeated work keeps no
// memory) and malloc_trim (the controller hands memory freed by a pass back to the system).
#include <malloc.h>
