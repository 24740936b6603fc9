/* Open MPI's C API as plain functions: its handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE) are
   macros over addresses of library globals, which Swift does not import. Only built with the package trait
   MPI (Package.swift); pkg-config `ompi-c` gives the include and library paths. */
#include <mpi.h>

/* MPI_Init_thread asking for MPI_THREAD_SERIALIZED (our collectives come from one thread at a time, not
   always the main one). Returns the MPI error code; *provided is the level granted. */
static inline int ce_mpi_init(int *provided) {
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}
static inline int ce_mpi_thread_level_ok(int provided) { return provided >= MPI_THREAD_FUNNELED; }
static inline int ce_mpi_initialized(void) {
    int flag = 0;
    MPI_Initialized(&flag);
    return flag;
}
static inline int ce_mpi_finalize(void) { return MPI_Finalize(); }
static inline int ce_mpi_rank(void) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}
static inline int ce_mpi_size(void) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}
static inline int ce_mpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static inline int ce_mpi_allreduce_sum_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static inline int ce_mpi_allreduce_max_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}
static inline int ce_mpi_allgather_double(const double *values, int count, double *result) {
    return MPI_Allgather(values, count, MPI_DOUBLE, result, count, MPI_DOUBLE, MPI_COMM_WORLD);
}
static inline int ce_mpi_gatherv_bytes(
    const void *send, int count, void *receive, const int *counts, const int *displacements, int root) {
    return MPI_Gatherv(send, count, MPI_BYTE, receive, counts, displacements, MPI_BYTE, root, MPI_COMM_WORLD);
}
static inline int ce_mpi_allgatherv_bytes(
    const void *send, int count, void *receive, const int *counts, const int *displacements) {
    return MPI_Allgatherv(send, count, MPI_BYTE, receive, counts, displacements, MPI_BYTE, MPI_COMM_WORLD);
}
static inline int ce_mpi_bcast_bytes(void *buffer, int bytes, int root) {
    return MPI_Bcast(buffer, bytes, MPI_BYTE, root, MPI_COMM_WORLD);
}
static inline int ce_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static inline int ce_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static inline double ce_mpi_wtime(void) { return MPI_Wtime(); }
