#ifndef CAPSYNC_COPENSSL_H
#define CAPSYNC_COPENSSL_H

#include <openssl/opensslv.h>
#if OPENSSL_VERSION_MAJOR < 3
#error "CapSync needs OpenSSL 3.0 or later (Debian: apt-get install libssl-dev)"
#endif

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#endif
