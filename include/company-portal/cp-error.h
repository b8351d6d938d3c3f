/* cp-error.h: the error domain of libcompanyportal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CP_ERROR (cp_error_quark ())

/**
 * CpError:
 * Every error the core raises is in this domain, with a message that can be
 * shown to the user as it is (translated, no secrets). Cancellation stays
 * G_IO_ERROR_CANCELLED so callers can ignore it with one check.
 */
typedef enum
{
  CP_ERROR_FAILED,            /* anything without a better code */
  CP_ERROR_INVALID_INPUT,     /* the caller or the user gave something unusable */
  CP_ERROR_INVALID_DATA,      /* a peer sent malformed or incomplete data */
  CP_ERROR_NETWORK,           /* the server cannot be reached */
  CP_ERROR_TIMED_OUT,         /* the server did not answer in time */
  CP_ERROR_TLS,               /* the server's certificate is not trusted */
  CP_ERROR_AUTH_REQUIRED,     /* no valid sign-in: the user must sign in again */
  CP_ERROR_FORBIDDEN,         /* signed in, but not allowed */
  CP_ERROR_NOT_FOUND,
  CP_ERROR_CONFLICT,
  CP_ERROR_RATE_LIMITED,      /* 429/503 after honouring Retry-After */
  CP_ERROR_SERVER,            /* 5xx */
  CP_ERROR_SECURITY,          /* state/issuer/nonce mismatch, bad signature */
  CP_ERROR_ACCESS_DENIED,     /* the user or provider refused the sign-in */
  CP_ERROR_EXPIRED,           /* a device code or a deadline ran out */
  CP_ERROR_KEYRING,           /* the keyring is missing, locked or refused */
  CP_ERROR_AGENT_MISSING,     /* the host agent is not installed or not running */
  CP_ERROR_NO_SPACE,          /* not enough disk space for an install */
} CpError;

GQuark   cp_error_quark           (void);
gboolean cp_error_is_cancelled    (const GError *error);

G_END_DECLS
