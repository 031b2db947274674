#ifndef CAPSYNC_COPENSSL_SHIMS_H
#define CAPSYNC_COPENSSL_SHIMS_H

/* Wrappers for OpenSSL macros Swift cannot import. Every symbol is prefixed
 * COpenSSLShims_. Includes <openssl/...> directly: a C target cannot include
 * the COpenSSL system library's header by module name. */
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

int COpenSSLShims_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int COpenSSLShims_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
long COpenSSLShims_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long COpenSSLShims_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
uint64_t COpenSSLShims_SSL_OP_NO_TICKET(void);
uint64_t COpenSSLShims_SSL_OP_NO_COMPRESSION(void);
uint64_t COpenSSLShims_SSL_OP_NO_RENEGOTIATION(void);
uint64_t COpenSSLShims_SSL_OP_ALL(void);
long COpenSSLShims_SSL_MODE_RELEASE_BUFFERS(void);
long COpenSSLShims_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void);
long COpenSSLShims_SSL_MODE_ENABLE_PARTIAL_WRITE(void);
long COpenSSLShims_SSL_SESS_CACHE_OFF(void);

long COpenSSLShims_BIO_get_mem_data(BIO *bio, char **pp);
long COpenSSLShims_BIO_set_mem_eof_return(BIO *bio, int value);
size_t COpenSSLShims_BIO_pending(BIO *bio);

int COpenSSLShims_sk_X509_num(const STACK_OF(X509) *stack);
X509 *COpenSSLShims_sk_X509_value(const STACK_OF(X509) *stack, int index);

void COpenSSLShims_OPENSSL_free(void *pointer);

/* Server: the verify callback and its user data (an opaque Swift context). */
int COpenSSLShims_SSL_get_ex_data_X509_STORE_CTX_idx(void);
int COpenSSLShims_SSL_CTX_set_app_data(SSL_CTX *ctx, void *data);
void *COpenSSLShims_SSL_CTX_get_app_data(const SSL_CTX *ctx);
int COpenSSLShims_SSL_set_app_data(SSL *ssl, void *data);
void *COpenSSLShims_SSL_get_app_data(const SSL *ssl);

/* TLS (CapSyncTLS): signature algorithms are set through SSL_CTX_ctrl macros. */
long COpenSSLShims_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list);
long COpenSSLShims_SSL_CTX_set1_client_sigalgs_list(SSL_CTX *ctx, const char *list);
long COpenSSLShims_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);

#endif
