/* cp-compliance-script.c: runs a discovery script with a time and output limit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "cp-compliance-script.h"
#include "cp-error.h"

#define READ_CHUNK (64 * 1024)
#define DEFAULT_KILL_GRACE_MS 2000
/* After the script exits, how long a leftover holder of its stdout may keep it open. */
#define DRAIN_MS 1000
#define MAX_SHEBANG 256

struct _CpComplianceScript
{
  GObject parent_instance;

  char *text;
  guint timeout_ms;
  guint kill_grace_ms;
  gsize max_output;
};

G_DEFINE_FINAL_TYPE (CpComplianceScript, cp_compliance_script, G_TYPE_OBJECT)

typedef struct
{
  GSubprocess *process;
  GInputStream *stdout_pipe;
  GByteArray *output;
  GCancellable *read_cancellable;
  GSource *timeout_source;
  GSource *kill_source;
  GSource *drain_source;
  gulong cancelled_id;
  pid_t pgid;
  char *dir;
  char *file;
  gsize max_output;
  guint kill_grace_ms;
  gboolean exited;
  gboolean eof;
  gboolean timed_out;
  gboolean flooded;
  gboolean completed;
} RunData;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
run_data_free (RunData *data)
{
  destroy_source (&data->timeout_source);
  destroy_source (&data->kill_source);
  destroy_source (&data->drain_source);
  g_clear_object (&data->process);
  g_clear_object (&data->stdout_pipe);
  g_clear_object (&data->read_cancellable);
  g_clear_pointer (&data->output, g_byte_array_unref);
  if (data->file != NULL)
    g_unlink (data->file);
  if (data->dir != NULL)
    g_rmdir (data->dir);
  g_free (data->file);
  g_free (data->dir);
  g_free (data);
}

/* The script runs in its own process group so that what it started dies
 * with it. It reports its pid through a pipe: GSubprocess forgets the pid as
 * soon as a quick script has been reaped, and we need it to end the group. */
static void
child_setup (gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);
  pid_t pid;

  setpgid (0, 0);
  pid = getpid ();
  if (write (fd, &pid, sizeof pid) != sizeof pid)
    _exit (127);
}

static void
signal_group (RunData *data,
              int      signum)
{
  if (data->pgid > 0)
    kill (-data->pgid, signum);
}

static GSource *
add_timeout (GTask       *task,
             guint        ms,
             GSourceFunc  func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  return source;
}

static void
maybe_complete (GTask *task)
{
  RunData *data = g_task_get_task_data (task);
  CpComplianceScript *self = g_task_get_source_object (task);
  int status;

  if (data->completed || !data->exited || !data->eof)
    return;
  data->completed = TRUE;
  destroy_source (&data->timeout_source);
  destroy_source (&data->kill_source);
  destroy_source (&data->drain_source);
  if (data->cancelled_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), data->cancelled_id);
  data->cancelled_id = 0;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (data->timed_out)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_TIMED_OUT,
                               _("The discovery script did not finish within %u seconds and was stopped"),
                               (self->timeout_ms + 999) / 1000);
      return;
    }
  if (data->flooded)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_INVALID_DATA,
                               _("The discovery script wrote more than %lu bytes and was stopped"),
                               (unsigned long) data->max_output);
      return;
    }
  status = g_subprocess_get_status (data->process);
  if (WIFSIGNALED (status))
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_FAILED,
                               _("The discovery script was killed by signal %d"), WTERMSIG (status));
      return;
    }
  if (WEXITSTATUS (status) != 0)
    {
      g_task_return_new_error (task, CP_ERROR, CP_ERROR_FAILED,
                               _("The discovery script failed with exit status %d"), WEXITSTATUS (status));
      return;
    }
  g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&data->output)),
                         (GDestroyNotify) g_bytes_unref);
}

static gboolean
kill_cb (gpointer user_data)
{
  RunData *data = g_task_get_task_data (G_TASK (user_data));

  g_debug ("discovery script still running: SIGKILL");
  signal_group (data, SIGKILL);
  g_clear_pointer (&data->kill_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
terminate (GTask *task)
{
  RunData *data = g_task_get_task_data (task);

  signal_group (data, SIGTERM);
  if (data->kill_source == NULL && !data->exited)
    data->kill_source = add_timeout (task, data->kill_grace_ms, kill_cb);
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  RunData *data = g_task_get_task_data (task);

  g_debug ("discovery script timed out: SIGTERM");
  data->timed_out = TRUE;
  g_clear_pointer (&data->timeout_source, g_source_unref);
  terminate (task);
  return G_SOURCE_REMOVE;
}

static gboolean
drain_cb (gpointer user_data)
{
  RunData *data = g_task_get_task_data (G_TASK (user_data));

  /* Something outside the process group holds the pipe: stop waiting for it. */
  g_clear_pointer (&data->drain_source, g_source_unref);
  g_cancellable_cancel (data->read_cancellable);
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  RunData *data = user_data;

  /* May run in another thread: only signal, the callbacks complete the task. */
  if (data->pgid > 0)
    kill (-data->pgid, SIGKILL);
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  data->exited = TRUE;
  /* Children left behind by the script go too. */
  signal_group (data, SIGKILL);
  destroy_source (&data->kill_source);
  if (!data->eof && data->drain_source == NULL)
    data->drain_source = add_timeout (task, DRAIN_MS, drain_cb);
  maybe_complete (task);
}

static void read_next (GTask *task);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, NULL);
  gsize len = bytes != NULL ? g_bytes_get_size (bytes) : 0;

  if (len == 0)
    {
      data->eof = TRUE;
      maybe_complete (task);
      return;
    }
  if (data->output->len + len > data->max_output)
    {
      g_debug ("discovery script output over the limit: SIGKILL");
      data->flooded = TRUE;
      data->eof = TRUE;
      signal_group (data, SIGKILL);
      maybe_complete (task);
      return;
    }
  g_byte_array_append (data->output, g_bytes_get_data (bytes, NULL), len);
  read_next (task);
}

static void
read_next (GTask *task)
{
  RunData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stdout_pipe, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   data->read_cancellable, read_cb, g_object_ref (task));
}

/* "#!/usr/bin/env python3" → ["/usr/bin/env", "python3"]: like the kernel,
 * everything after the interpreter is one argument. */
static GStrv
parse_shebang (const char  *text,
               GError     **error)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *line = NULL;
  const char *end;
  char *arg;

  end = strchr (text, '\n');
  if (!g_str_has_prefix (text, "#!") || end == NULL || end - text > MAX_SHEBANG)
    goto bad;
  line = g_strndup (text + 2, end - text - 2);
  g_strstrip (line);
  arg = strpbrk (line, " \t");
  if (arg != NULL)
    {
      *arg++ = '\0';
      g_strstrip (arg);
    }
  if (!g_path_is_absolute (line))
    goto bad;
  if (!g_file_test (line, G_FILE_TEST_IS_EXECUTABLE) || g_file_test (line, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
                   _("The discovery script’s interpreter %s is not installed"), line);
      return NULL;
    }
  g_strv_builder_add (argv, line);
  if (arg != NULL && *arg != '\0')
    g_strv_builder_add (argv, arg);
  return g_strv_builder_end (argv);

bad:
  g_set_error (error, CP_ERROR, CP_ERROR_INVALID_INPUT,
               _("The discovery script does not start with “#!” and the absolute path of its interpreter"));
  return NULL;
}

static gboolean
write_script (RunData     *data,
              const char  *text,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  data->dir = g_dir_make_tmp ("cp-compliance-XXXXXX", &local_error);
  if (data->dir != NULL)
    {
      data->file = g_build_filename (data->dir, "discovery", NULL);
      if (g_file_set_contents_full (data->file, text, -1, G_FILE_SET_CONTENTS_NONE, 0700, &local_error))
        return TRUE;
    }
  g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
               _("The discovery script could not be saved: %s"), local_error->message);
  return FALSE;
}

static gboolean
spawn (RunData     *data,
       GStrv        interpreter,
       GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) local_error = NULL;
  int pid_pipe[2];
  pid_t pid = 0;

  g_strv_builder_addv (builder, (const char **) interpreter);
  g_strv_builder_add (builder, data->file);
  argv = g_strv_builder_end (builder);

  if (!g_unix_open_pipe (pid_pipe, FD_CLOEXEC, &local_error))
    goto failed;
  g_subprocess_launcher_set_cwd (launcher, data->dir);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, GINT_TO_POINTER (pid_pipe[1]), NULL);
  data->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &local_error);
  close (pid_pipe[1]);
  /* The child wrote before exec, and spawnv returns after exec. */
  if (data->process != NULL && read (pid_pipe[0], &pid, sizeof pid) != sizeof pid)
    pid = 0;
  close (pid_pipe[0]);
  if (data->process == NULL)
    goto failed;

  data->pgid = pid;
  data->stdout_pipe = g_object_ref (g_subprocess_get_stdout_pipe (data->process));
  return TRUE;

failed:
  g_set_error (error, CP_ERROR, CP_ERROR_FAILED,
               _("The discovery script could not be started: %s"), local_error->message);
  return FALSE;
}

static void
cp_compliance_script_finalize (GObject *object)
{
  CpComplianceScript *self = CP_COMPLIANCE_SCRIPT (object);

  g_free (self->text);

  G_OBJECT_CLASS (cp_compliance_script_parent_class)->finalize (object);
}

static void
cp_compliance_script_class_init (CpComplianceScriptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cp_compliance_script_finalize;
}

static void
cp_compliance_script_init (CpComplianceScript *self)
{
  self->timeout_ms = CP_COMPLIANCE_SCRIPT_DEFAULT_TIMEOUT_MS;
  self->kill_grace_ms = DEFAULT_KILL_GRACE_MS;
  self->max_output = CP_COMPLIANCE_SCRIPT_MAX_OUTPUT;
}

CpComplianceScript *
cp_compliance_script_new (const char *text)
{
  CpComplianceScript *self;

  g_return_val_if_fail (text != NULL, NULL);

  self = g_object_new (CP_TYPE_COMPLIANCE_SCRIPT, NULL);
  self->text = g_strdup (text);
  return self;
}

void
cp_compliance_script_set_timeout (CpComplianceScript *self,
                                  guint               timeout_ms,
                                  guint               kill_grace_ms)
{
  g_return_if_fail (CP_IS_COMPLIANCE_SCRIPT (self));
  g_return_if_fail (timeout_ms > 0);

  self->timeout_ms = timeout_ms;
  self->kill_grace_ms = kill_grace_ms;
}

void
cp_compliance_script_set_max_output (CpComplianceScript *self,
                                     gsize               max_output)
{
  g_return_if_fail (CP_IS_COMPLIANCE_SCRIPT (self));
  self->max_output = max_output;
}

void
cp_compliance_script_run_async (CpComplianceScript  *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) interpreter = NULL;
  RunData *data;

  g_return_if_fail (CP_IS_COMPLIANCE_SCRIPT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cp_compliance_script_run_async);
  data = g_new0 (RunData, 1);
  data->max_output = self->max_output;
  data->kill_grace_ms = self->kill_grace_ms;
  data->output = g_byte_array_new ();
  data->read_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);

  if (g_task_return_error_if_cancelled (task))
    return;
  interpreter = parse_shebang (self->text, &error);
  if (interpreter == NULL || !write_script (data, self->text, &error) || !spawn (data, interpreter, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("discovery script started as process %d", (int) data->pgid);
  data->timeout_source = add_timeout (task, self->timeout_ms, timeout_cb);
  if (cancellable != NULL)
    data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), data, NULL);
  g_subprocess_wait_async (data->process, NULL, wait_cb, g_object_ref (task));
  read_next (task);
}

GBytes *
cp_compliance_script_run_finish (CpComplianceScript  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (CP_IS_COMPLIANCE_SCRIPT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
