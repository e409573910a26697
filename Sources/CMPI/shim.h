#ifndef CONVEYOR_CMPI_SHIM_H
#define CONVEYOR_CMPI_SHIM_H

// Open MPI for data-parallel runs, loaded at run time (dlopen) instead of linked: the conveyor
// binary then starts, and runs in one process, on machines without Open MPI, and a plain
// `conveyor train` pays nothing for MPI. Linking through pkg-config (ompi) would make libmpi and
// its five dependencies a requirement of every conveyor binary, so the few types and constants
// of Open MPI's ABI (libmpi.so.40, as in its mpi.h) are declared here, each call goes through a
// symbol looked up in libmpi, and Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM), which
// are addresses of library globals, are looked up the same way.

#include <dlfcn.h>
#include <stddef.h>

// Open MPI's handles are pointers to its internal structs (mpi.h: typedef struct ompi_*_t *MPI_*).
typedef struct ompi_communicator_t *MPI_Comm;
typedef struct ompi_datatype_t *MPI_Datatype;
typedef struct ompi_op_t *MPI_Op;
typedef struct ompi_request_t *MPI_Request;
typedef struct ompi_status_public_t MPI_Status;
// mpi.h: MPI_IN_PLACE ((void *) 1), MPI_STATUS_IGNORE ((MPI_Status *) 0), MPI_THREAD_FUNNELED 1.
#define CMPI_IN_PLACE ((void *)1)
#define CMPI_STATUS_IGNORE ((MPI_Status *)0)
#define CMPI_THREAD_FUNNELED 1

// Returned when libmpi or one of its symbols is missing.
#define CMPI_NOT_LOADED (-1000)

// libmpi, opened once; RTLD_GLOBAL because Open MPI's plugins resolve symbols against it.
static inline void *cmpi_library(void) {
    static void *library = NULL;
    if (!library) library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!library) library = dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL);
    return library;
}

// Why the last dlopen or dlsym failed.
static inline const char *cmpi_load_error(void) { return dlerror(); }

static inline void *cmpi_symbol(const char *name) {
    void *library = cmpi_library();
    return library ? dlsym(library, name) : NULL;
}

#define CMPI_FORWARD(name, parameters, arguments) \
    typedef int (*name##_function) parameters; \
    name##_function function = (name##_function)cmpi_symbol(#name); \
    return function ? function arguments : CMPI_NOT_LOADED;

static inline MPI_Comm cmpi_comm_world(void) { return (MPI_Comm)cmpi_symbol("ompi_mpi_comm_world"); }
static inline MPI_Datatype cmpi_float(void) { return (MPI_Datatype)cmpi_symbol("ompi_mpi_float"); }
static inline MPI_Datatype cmpi_double(void) { return (MPI_Datatype)cmpi_symbol("ompi_mpi_double"); }
static inline MPI_Datatype cmpi_uint64(void) { return (MPI_Datatype)cmpi_symbol("ompi_mpi_uint64_t"); }
static inline MPI_Op cmpi_sum(void) { return (MPI_Op)cmpi_symbol("ompi_mpi_op_sum"); }
static inline int cmpi_thread_funneled(void) { return CMPI_THREAD_FUNNELED; }

static inline int cmpi_initialized(int *flag) { CMPI_FORWARD(MPI_Initialized, (int *), (flag)) }
static inline int cmpi_finalized(int *flag) { CMPI_FORWARD(MPI_Finalized, (int *), (flag)) }
static inline int cmpi_init_thread(int required, int *provided) {
    CMPI_FORWARD(MPI_Init_thread, (int *, char ***, int, int *), (NULL, NULL, required, provided))
}
static inline int cmpi_finalize(void) { CMPI_FORWARD(MPI_Finalize, (void), ()) }
static inline int cmpi_comm_rank(MPI_Comm comm, int *rank) { CMPI_FORWARD(MPI_Comm_rank, (MPI_Comm, int *), (comm, rank)) }
static inline int cmpi_comm_size(MPI_Comm comm, int *size) { CMPI_FORWARD(MPI_Comm_size, (MPI_Comm, int *), (comm, size)) }
static inline int cmpi_allreduce_in_place(void *buffer, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm) {
    CMPI_FORWARD(MPI_Allreduce, (const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm),
                 (CMPI_IN_PLACE, buffer, count, type, op, comm))
}
static inline int cmpi_iallreduce_in_place(void *buffer, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                                           MPI_Request *request) {
    CMPI_FORWARD(MPI_Iallreduce, (const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm, MPI_Request *),
                 (CMPI_IN_PLACE, buffer, count, type, op, comm, request))
}
static inline int cmpi_wait(MPI_Request *request) {
    CMPI_FORWARD(MPI_Wait, (MPI_Request *, MPI_Status *), (request, CMPI_STATUS_IGNORE))
}
static inline int cmpi_test(MPI_Request *request, int *flag) {
    CMPI_FORWARD(MPI_Test, (MPI_Request *, int *, MPI_Status *), (request, flag, CMPI_STATUS_IGNORE))
}
static inline int cmpi_bcast(void *buffer, int count, MPI_Datatype type, int root, MPI_Comm comm) {
    CMPI_FORWARD(MPI_Bcast, (void *, int, MPI_Datatype, int, MPI_Comm), (buffer, count, type, root, comm))
}
static inline int cmpi_barrier(MPI_Comm comm) { CMPI_FORWARD(MPI_Barrier, (MPI_Comm), (comm)) }
static inline int cmpi_abort(MPI_Comm comm, int code) { CMPI_FORWARD(MPI_Abort, (MPI_Comm, int), (comm, code)) }

#endif
