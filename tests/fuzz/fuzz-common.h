/* fuzz-common.h: shared bits of the fuzz targets
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>
#include <string.h>

#include "company-portal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parsers take NUL-terminated text: cut at the first NUL like a C caller would. */
static inline char *
fuzz_string (const uint8_t *data,
             size_t         size)
{
  return g_strndup ((const char *) data, size);
}

static inline void
fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  /* Parsers log rejected input at debug level only; keep the runs quiet. */
  g_log_set_writer_func (g_log_writer_default, NULL, NULL);
}

static inline CpJwk *
fuzz_ec_key (void)
{
  static CpJwk *key;

  if (key == NULL)
    key = cp_jwk_generate_ec_p256 (NULL);
  return g_object_ref (key);
}
