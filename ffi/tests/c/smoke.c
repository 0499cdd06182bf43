/* A C host of svm: deploys the counter, calls it, reads and proves its
 * variable, verifies the proof, provokes the errors a host can make, and
 * frees everything. Built against include/svm.h by tests/c_program.rs, and
 * run there under valgrind's memcheck, which fails on leaks and invalid
 * accesses. Usage: smoke COUNTER.wat */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svm.h"

static int failures = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);      \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      failures++;                                          \
    }                                                      \
  } while (0)

static SvmBytes view(const void *p, size_t n) {
  SvmBytes v = {(const uint8_t *)p, n};
  return v;
}

static const SvmBytes NONE = {NULL, 0};

/* Fails the test, printing the message, unless s is OK; frees err. */
static int ok(SvmStatus s, SvmBuffer *err, const char *what) {
  if (s != SVM_STATUS_OK) {
    fprintf(stderr, "%s: status %d: %.*s\n", what, (int)s, (int)err->len,
            err->ptr ? (const char *)err->ptr : "");
    failures++;
  }
  svm_buffer_free(err);
  return s == SVM_STATUS_OK;
}

/* RLP: what the transactions below need. */
static size_t rlp_header(uint8_t *out, size_t len, uint8_t base) {
  if (len < 56) {
    out[0] = (uint8_t)(base + len);
    return 1;
  }
  size_t n = 0, v = len;
  while (v) { n++; v >>= 8; }
  out[0] = (uint8_t)(base + 55 + n);
  for (size_t i = 0; i < n; i++) out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
  return 1 + n;
}

static size_t rlp_bytes(uint8_t *out, const uint8_t *b, size_t len) {
  if (len == 1 && b[0] < 0x80) {
    out[0] = b[0];
    return 1;
  }
  size_t h = rlp_header(out, len, 0x80);
  memcpy(out + h, b, len);
  return h + len;
}

static size_t rlp_uint(uint8_t *out, uint64_t v) {
  uint8_t be[8];
  size_t n = 0;
  for (int i = 7; i >= 0; i--) {
    uint8_t b = (uint8_t)(v >> (8 * i));
    if (n || b) be[n++] = b;
  }
  return rlp_bytes(out, be, n);
}

static size_t rlp_list(uint8_t *out, const uint8_t *payload, size_t len) {
  size_t h = rlp_header(out, len, 0xc0);
  if (len) memmove(out + h, payload, len);
  return h + len;
}

static const uint8_t AUTHOR[20] = {[17] = 0x0a, [19] = 0x01};

static size_t deploy_tx(uint8_t *out, const uint8_t *code, size_t code_len) {
  uint8_t *f = malloc(code_len + 128);
  size_t n = 0;
  n += rlp_uint(f + n, SVM_TX_DEPLOY);
  n += rlp_bytes(f + n, AUTHOR, 20);
  n += rlp_uint(f + n, 0);            /* nonce */
  n += rlp_bytes(f + n, code, code_len);
  n += rlp_uint(f + n, 0);            /* balance */
  n += rlp_list(f + n, NULL, 0);      /* no constructor */
  n += rlp_uint(f + n, 10000000);     /* gas */
  size_t total = rlp_list(out, f, n);
  free(f);
  return total;
}

static size_t call_tx(uint8_t *out, const uint8_t *contract, const char *fn,
                      int with_arg, int64_t arg) {
  uint8_t f[256], args[64], a[32];
  size_t n = 0, an = 0;
  if (with_arg) {
    size_t k = 0;
    k += rlp_uint(a + k, 1);          /* i64 */
    k += rlp_uint(a + k, (uint64_t)arg);
    an = rlp_list(args, a, k);
  }
  n += rlp_uint(f + n, SVM_TX_CALL);
  n += rlp_bytes(f + n, contract, 20);
  n += rlp_bytes(f + n, AUTHOR, 20);
  n += rlp_bytes(f + n, (const uint8_t *)fn, strlen(fn));
  n += rlp_list(f + n, args, an);
  n += rlp_uint(f + n, 1000000);      /* gas */
  n += rlp_uint(f + n, 0);            /* value */
  return rlp_list(out, f, n);
}

/* The contract address of a receipt: its third item, after the status and
 * the gas (both short integers here). */
static int receipt_contract(const SvmBuffer *r, uint8_t out[20]) {
  const uint8_t *p = r->ptr;
  size_t i = 0;
  if (r->len < 3) return 0;
  i += (p[0] >= 0xf8) ? 1 + (size_t)(p[0] - 0xf7) : 1; /* list header */
  if (p[i] != 0x80) return 0;                          /* status 0: success */
  i++;
  i += (p[i] < 0x80) ? 1 : 1 + (size_t)(p[i] - 0x80); /* gas */
  if (p[i] != 0x94) return 0;                          /* 20 bytes */
  memcpy(out, p + i + 1, 20);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: smoke COUNTER.wat\n");
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    perror(argv[1]);
    return 2;
  }
  static char text[1 << 16];
  size_t text_len = fread(text, 1, sizeof text, file);
  fclose(file);

  SvmBuffer err = {0};
  SvmBuffer wasm = {0};
  if (!ok(svm_wat_to_wasm(view(text, text_len), &wasm, &err), &err, "wat")) return 1;

  SvmDb *db = NULL;
  if (!ok(svm_db_open_memory(NONE, &db, &err), &err, "open")) return 1;
  SvmVm *vm = NULL;
  if (!ok(svm_vm_new(db, NONE, &vm, &err), &err, "vm")) return 1;

  uint8_t *tx = malloc(wasm.len + 256);
  size_t tx_len = deploy_tx(tx, wasm.ptr, wasm.len);
  SvmBuffer receipt = {0};
  SvmBlock block = {1, 0};
  ok(svm_vm_deploy(vm, view(tx, tx_len), block, &receipt, &err), &err, "deploy");
  uint8_t contract[20];
  CHECK(receipt_contract(&receipt, contract), "the deploy did not succeed");
  svm_buffer_free(&receipt);

  for (int i = 0; i < 3; i++) {
    uint8_t call[512];
    size_t call_len = call_tx(call, contract, "increment", 1, 7);
    block.height = 2 + (uint64_t)i;
    ok(svm_vm_call(vm, view(call, call_len), block, &receipt, &err), &err, "call");
    CHECK(receipt.len > 0, "no receipt");
#ifndef SMOKE_LEAK /* defined only to see that the checker catches a leak */
    svm_buffer_free(&receipt);
#endif
  }

  SvmBuffer value = {0};
  ok(svm_db_variable(db, NONE, view(contract, 20), 0, &value, &err), &err, "variable");
  uint64_t counter = 0;
  CHECK(value.len == 8, "variable of %zu bytes", value.len);
  if (value.len == 8) memcpy(&counter, value.ptr, 8); /* little-endian hosts */
  CHECK(counter == 21, "counter %llu, not 21", (unsigned long long)counter);
  svm_buffer_free(&value);

  SvmHead head;
  ok(svm_db_head(db, &head, &err), &err, "head");
  CHECK(head.seq == 4, "seq %llu", (unsigned long long)head.seq);
  SvmBuffer proof = {0}, proven = {0};
  ok(svm_prove_variable(db, NONE, view(contract, 20), 0, true, SVM_FORMAT_BINARY,
                        &proof, &err), &err, "prove");
  ok(svm_verify_proof(view(proof.ptr, proof.len), view(head.root.bytes, 32), NONE,
                      &proven, &err), &err, "verify");
  CHECK(proven.len > 0 && strstr((const char *)proven.ptr, "\"variable\"") != NULL,
        "proven: %.*s", (int)proven.len, (const char *)proven.ptr);
  svm_buffer_free(&proven);
  head.root.bytes[0] ^= 1;
  SvmStatus s = svm_verify_proof(view(proof.ptr, proof.len), view(head.root.bytes, 32),
                                 NONE, &proven, &err);
  CHECK(s == SVM_STATUS_PROOF_INVALID && proven.ptr == NULL, "wrong root: %d", (int)s);
  svm_buffer_free(&err);
  svm_buffer_free(&proof);

  /* Errors a host can make. */
  s = svm_vm_call(vm, view("junk", 4), block, &receipt, &err);
  CHECK(s == SVM_STATUS_INVALID_INPUT && err.len > 0, "junk tx: %d", (int)s);
  svm_buffer_free(&err);
  s = svm_vm_call(vm, view(NULL, 9), block, &receipt, NULL);
  CHECK(s == SVM_STATUS_NULL_POINTER, "NULL with a length: %d", (int)s);
  s = svm_db_head((const SvmDb *)vm, &head, NULL);
  CHECK(s == SVM_STATUS_BAD_HANDLE, "a VM as a database: %d", (int)s);
  SvmBuffer copy = wasm;
  CHECK(svm_buffer_free(&wasm) == SVM_STATUS_OK, "free");
  CHECK(svm_buffer_free(&copy) == SVM_STATUS_BAD_HANDLE, "a double free was accepted");
  CHECK(svm_buffer_free(&wasm) == SVM_STATUS_OK, "freeing an emptied buffer");

  CHECK(svm_vm_free(vm, &err) == SVM_STATUS_OK, "vm free");
  CHECK(svm_vm_free(vm, &err) == SVM_STATUS_BAD_HANDLE, "a second vm free");
  svm_buffer_free(&err);
  CHECK(svm_db_close(db, NULL) == SVM_STATUS_OK, "close");
  CHECK(svm_db_close(db, NULL) == SVM_STATUS_BAD_HANDLE, "a second close");
  free(tx);

  SvmLive live = svm_live();
  CHECK(live.handles == 0 && live.buffers == 0, "still held: %zu handles, %zu buffers",
        live.handles, live.buffers);
  if (failures) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("ok: counter %llu, svm %s\n", (unsigned long long)counter, svm_version());
  return 0;
}
