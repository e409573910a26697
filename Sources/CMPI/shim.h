#ifndef CONVEYOR_CMPI_SHIM_H
#define CONVEYOR_CMPI_SHIM_H

#include <mpi.h>

// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, ...) are macros that
// take the address of a library global through casts, which Swift does not import: each one
// is a function here.
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }

#endif
