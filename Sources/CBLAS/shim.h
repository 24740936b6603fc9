#include <cblas.h>
/* OpenBLAS extension: thread count of its own pool (we run it single-threaded and split work ourselves). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
