/* cp-install-job.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cp-install-job.h"

struct _CpInstallJob
{
  GObject         parent_instance;

  char           *app_id;
  GCancellable   *cancellable;
  CpInstallState  state;
  double          fraction;
  guint64         bytes_done;
  guint64         bytes_total;
  GError         *error;
};

G_DEFINE_FINAL_TYPE (CpInstallJob, cp_install_job, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CpInstallState, cp_install_state,
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_NOT_INSTALLED, "not-installed"),
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_DOWNLOADING, "downloading"),
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_INSTALLING, "installing"),
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_INSTALLED, "installed"),
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_CANCELLED, "cancelled"),
  G_DEFINE_ENUM_VALUE (CP_INSTALL_STATE_REMOVING, "removing"))

enum {
  PROP_0,
  PROP_APP_ID,
  PROP_CANCELLABLE,
  PROP_STATE,
  PROP_FRACTION,
  PROP_BYTES_DONE,
  PROP_BYTES_TOTAL,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *const state_names[] = {
  [CP_INSTALL_STATE_NOT_INSTALLED] = "notInstalled",
  [CP_INSTALL_STATE_QUEUED] = "queued",
  [CP_INSTALL_STATE_DOWNLOADING] = "downloading",
  [CP_INSTALL_STATE_INSTALLING] = "installing",
  [CP_INSTALL_STATE_INSTALLED] = "installed",
  [CP_INSTALL_STATE_FAILED] = "failed",
  [CP_INSTALL_STATE_CANCELLED] = "cancelled",
  [CP_INSTALL_STATE_REMOVING] = "removing",
};

static void
cp_install_job_finalize (GObject *object)
{
  CpInstallJob *self = CP_INSTALL_JOB (object);

  g_free (self->app_id);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (cp_install_job_parent_class)->finalize (object);
}

static void
cp_install_job_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CpInstallJob *self = CP_INSTALL_JOB (object);

  switch (prop_id)
    {
    case PROP_APP_ID:
      g_value_set_string (value, self->app_id);
      break;
    case PROP_CANCELLABLE:
      g_value_set_object (value, self->cancellable);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_BYTES_DONE:
      g_value_set_uint64 (value, self->bytes_done);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->bytes_total);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, cp_install_job_get_error_message (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_install_job_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CpInstallJob *self = CP_INSTALL_JOB (object);

  switch (prop_id)
    {
    case PROP_APP_ID:
      self->app_id = g_value_dup_string (value);
      break;
    case PROP_CANCELLABLE:
      self->cancellable = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cp_install_job_constructed (GObject *object)
{
  CpInstallJob *self = CP_INSTALL_JOB (object);

  G_OBJECT_CLASS (cp_install_job_parent_class)->constructed (object);

  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
}

static void
cp_install_job_class_init (CpInstallJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw_once = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cp_install_job_finalize;
  object_class->constructed = cp_install_job_constructed;
  object_class->get_property = cp_install_job_get_property;
  object_class->set_property = cp_install_job_set_property;

  properties[PROP_APP_ID] = g_param_spec_string ("app-id", NULL, NULL, NULL, rw_once);
  properties[PROP_CANCELLABLE] = g_param_spec_object ("cancellable", NULL, NULL,
                                                      G_TYPE_CANCELLABLE, rw_once);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, CP_TYPE_INSTALL_STATE,
                                              CP_INSTALL_STATE_NOT_INSTALLED, ro);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0, ro);
  properties[PROP_BYTES_DONE] = g_param_spec_uint64 ("bytes-done", NULL, NULL,
                                                     0, G_MAXUINT64, 0, ro);
  properties[PROP_BYTES_TOTAL] = g_param_spec_uint64 ("bytes-total", NULL, NULL,
                                                      0, G_MAXUINT64, 0, ro);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cp_install_job_init (CpInstallJob *self)
{
}

const char *
cp_install_state_to_string (CpInstallState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

gboolean
cp_install_state_from_string (const char     *text,
                              CpInstallState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (text, state_names[i]) == 0)
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

CpInstallJob *
cp_install_job_new (const char   *app_id,
                    GCancellable *cancellable)
{
  g_return_val_if_fail (app_id != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  return g_object_new (CP_TYPE_INSTALL_JOB, "app-id", app_id, "cancellable", cancellable, NULL);
}

const char *
cp_install_job_get_app_id (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), NULL);
  return self->app_id;
}

CpInstallState
cp_install_job_get_state (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), CP_INSTALL_STATE_NOT_INSTALLED);
  return self->state;
}

double
cp_install_job_get_fraction (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), 0.0);
  return self->fraction;
}

guint64
cp_install_job_get_bytes_done (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), 0);
  return self->bytes_done;
}

guint64
cp_install_job_get_bytes_total (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), 0);
  return self->bytes_total;
}

const GError *
cp_install_job_get_error (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), NULL);
  return self->error;
}

const char *
cp_install_job_get_error_message (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), NULL);
  return self->error != NULL ? self->error->message : NULL;
}

GCancellable *
cp_install_job_get_cancellable (CpInstallJob *self)
{
  g_return_val_if_fail (CP_IS_INSTALL_JOB (self), NULL);
  return self->cancellable;
}

void
cp_install_job_cancel (CpInstallJob *self)
{
  g_return_if_fail (CP_IS_INSTALL_JOB (self));
  g_cancellable_cancel (self->cancellable);
}

/* Leaving FAILED clears the error; a new operation starts from zero. */
void
cp_install_job_set_state (CpInstallJob   *self,
                          CpInstallState  state)
{
  g_return_if_fail (CP_IS_INSTALL_JOB (self));
  g_return_if_fail (state < G_N_ELEMENTS (state_names));

  if (self->state == state)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  self->state = state;
  if (state != CP_INSTALL_STATE_FAILED && self->error != NULL)
    {
      g_clear_error (&self->error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  if (state == CP_INSTALL_STATE_QUEUED || state == CP_INSTALL_STATE_REMOVING)
    cp_install_job_set_progress (self, 0, 0, 0.0);
  if (state == CP_INSTALL_STATE_INSTALLED)
    cp_install_job_set_progress (self, self->bytes_total, self->bytes_total, 1.0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
cp_install_job_set_progress (CpInstallJob *self,
                             guint64       bytes_done,
                             guint64       bytes_total,
                             double        fraction)
{
  g_return_if_fail (CP_IS_INSTALL_JOB (self));

  fraction = CLAMP (fraction, 0.0, 1.0);
  g_object_freeze_notify (G_OBJECT (self));
  if (self->bytes_done != bytes_done)
    {
      self->bytes_done = bytes_done;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_DONE]);
    }
  if (self->bytes_total != bytes_total)
    {
      self->bytes_total = bytes_total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
    }
  if (self->fraction != fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
cp_install_job_set_failed (CpInstallJob *self,
                           const GError *error)
{
  g_return_if_fail (CP_IS_INSTALL_JOB (self));
  g_return_if_fail (error != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  cp_install_job_set_state (self, CP_INSTALL_STATE_FAILED);
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  g_object_thaw_notify (G_OBJECT (self));
}
