#include "COpenSSLShims.h"

int COpenSSLShims_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
int COpenSSLShims_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
long COpenSSLShims_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
long COpenSSLShims_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
uint64_t COpenSSLShims_SSL_OP_NO_TICKET(void) { return (uint64_t)SSL_OP_NO_TICKET; }
uint64_t COpenSSLShims_SSL_OP_NO_COMPRESSION(void) { return (uint64_t)SSL_OP_NO_COMPRESSION; }
uint64_t COpenSSLShims_SSL_OP_NO_RENEGOTIATION(void) { return (uint64_t)SSL_OP_NO_RENEGOTIATION; }
uint64_t COpenSSLShims_SSL_OP_ALL(void) { return (uint64_t)SSL_OP_ALL; }
long COpenSSLShims_SSL_MODE_RELEASE_BUFFERS(void) { return SSL_MODE_RELEASE_BUFFERS; }
long COpenSSLShims_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
long COpenSSLShims_SSL_MODE_ENABLE_PARTIAL_WRITE(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }
long COpenSSLShims_SSL_SESS_CACHE_OFF(void) { return SSL_SESS_CACHE_OFF; }

long COpenSSLShims_BIO_get_mem_data(BIO *bio, char **pp) { return BIO_get_mem_data(bio, pp); }
long COpenSSLShims_BIO_set_mem_eof_return(BIO *bio, int value) { return BIO_set_mem_eof_return(bio, value); }
size_t COpenSSLShims_BIO_pending(BIO *bio) { return (size_t)BIO_pending(bio); }

int COpenSSLShims_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
X509 *COpenSSLShims_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }

void COpenSSLShims_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

int COpenSSLShims_SSL_get_ex_data_X509_STORE_CTX_idx(void) { return SSL_get_ex_data_X509_STORE_CTX_idx(); }
int COpenSSLShims_SSL_CTX_set_app_data(SSL_CTX *ctx, void *data) { return SSL_CTX_set_app_data(ctx, data); }
void *COpenSSLShims_SSL_CTX_get_app_data(const SSL_CTX *ctx) { return SSL_CTX_get_app_data(ctx); }
int COpenSSLShims_SSL_set_app_data(SSL *ssl, void *data) { return SSL_set_app_data(ssl, data); }
void *COpenSSLShims_SSL_get_app_data(const SSL *ssl) { return SSL_get_app_data(ssl); }

long COpenSSLShims_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_sigalgs_list(ctx, list);
}
long COpenSSLShims_SSL_CTX_set1_client_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_client_sigalgs_list(ctx, list);
}
long COpenSSLShims_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_groups_list(ctx, list);
}
