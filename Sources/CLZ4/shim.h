#ifndef VIGIL_CLZ4_SHIM_H
#define VIGIL_CLZ4_SHIM_H

/* LZ4's block format: the stored prediction lines of a segment are compressed with it. */
#include <lz4.h>

#endif
