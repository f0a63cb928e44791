/* SMPI cross-check of dtsim's collectives: times one MPI_Allreduce (or the collective named by argv[2])
 * of argv[1] bytes of floats on the simulated platform and prints "time_s <seconds>" from rank 0.
 * The algorithm is chosen by smpirun's --cfg=smpi/allreduce:<name>. Built with smpicc by
 * tests/algorithms/collectives/test_smpi.cpp. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const long bytes = argc > 1 ? atol(argv[1]) : 1024;
  const char* op = argc > 2 ? argv[2] : "allreduce";
  const int count = (int)(bytes / 4);
  float* in = malloc(sizeof(float) * (count > 0 ? count : 1));
  float* out = malloc(sizeof(float) * (count > 0 ? count : 1));
  for (int i = 0; i < count; ++i) in[i] = (float)((rank * 7 + i * 3) % 17 + 1);
  /* No barrier: every rank leaves MPI_Init at simulated time 0, as dtsim's ranks start together
   * (a barrier would leave ranks skewed by a latency). */
  const double begin = MPI_Wtime();
  if (strcmp(op, "allreduce") == 0) MPI_Allreduce(in, out, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  else if (strcmp(op, "bcast") == 0) MPI_Bcast(in, count, MPI_FLOAT, 0, MPI_COMM_WORLD);
  else if (strcmp(op, "reduce") == 0) MPI_Reduce(in, out, count, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD);
  const double end = MPI_Wtime();
  double first_begin = 0, last_end = 0;
  MPI_Reduce(&begin, &first_begin, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
  MPI_Reduce(&end, &last_end, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  const double longest = last_end - first_begin;
  /* Check the sum: every value is a small integer, so the sum is exact. */
  long wrong = 0;
  if (strcmp(op, "allreduce") == 0)
    for (int i = 0; i < count; ++i) {
      double expect = 0;
      for (int r = 0; r < size; ++r) expect += (double)((r * 7 + i * 3) % 17 + 1);
      if ((double)out[i] != expect) ++wrong;
    }
  long total_wrong = 0;
  MPI_Reduce(&wrong, &total_wrong, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) printf("time_s %.12e wrong %ld\n", longest, total_wrong);
  free(in);
  free(out);
  MPI_Finalize();
  return 0;
}
