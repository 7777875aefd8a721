#include "sim_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Walk name's directories from the root. Returns a directory descriptor
 * (the caller closes it unless it is f->root) and *leaf, or -FS_MGMT_ERR_*. */
static int walk(sim_fs_t *f, const char *name, char leaf[FS_MGMT_PATH_LEN], int missing_err)
{
    if (f->root < 0 || !extxip_fs_mgmt_path_ok((const uint8_t *)name, strlen(name)))
        return -FS_MGMT_ERR_FILE_INVALID_NAME;
    const char *p = name[0] == '/' ? name + 1 : name;
    int dir = f->root;
    for (;;) {
        const char *slash = strchr(p, '/');
        if (!slash) {
            strcpy(leaf, p);
            return dir;
        }
        char comp[FS_MGMT_PATH_LEN];
        size_t n = (size_t)(slash - p);
        memcpy(comp, p, n);
        comp[n] = 0;
        int next = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        if (dir != f->root)
            close(dir);
        if (next < 0)
            return err == ENOENT ? -missing_err
                 : err == ENOTDIR || err == ELOOP ? -FS_MGMT_ERR_FILE_INVALID_NAME
                                                  : -FS_MGMT_ERR_UNKNOWN;
        dir = next;
        p = slash + 1;
    }
}

static void done_dir(sim_fs_t *f, int dir)
{
    if (dir >= 0 && dir != f->root)
        close(dir);
}

static int fs_stat(void *arg, const char *name, uint64_t *size)
{
    sim_fs_t *f = arg;
    char leaf[FS_MGMT_PATH_LEN];
    int dir = walk(f, name, leaf, FS_MGMT_ERR_FILE_NOT_FOUND);
    if (dir < 0)
        return -dir;
    struct stat st;
    int rc = fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW);
    int err = errno;
    done_dir(f, dir);
    if (rc != 0)
        return err == ENOENT ? FS_MGMT_ERR_FILE_NOT_FOUND : FS_MGMT_ERR_UNKNOWN;
    if (S_ISDIR(st.st_mode))
        return FS_MGMT_ERR_FILE_IS_DIRECTORY;
    if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
        return FS_MGMT_ERR_FILE_INVALID_NAME; /* a symlink, a device, a fifo, a hard link
                                                 (it may be a file outside): not ours */
    *size = (uint64_t)st.st_size;
    return 0;
}

static void fs_close(void *arg)
{
    sim_fs_t *f = arg;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

static int fs_open(void *arg, const char *name, bool write, bool truncate)
{
    sim_fs_t *f = arg;
    fs_close(f);
    char leaf[FS_MGMT_PATH_LEN];
    int dir = walk(f, name, leaf, write ? FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND
                                        : FS_MGMT_ERR_FILE_NOT_FOUND);
    if (dir < 0)
        return -dir;
    int flags = O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    flags |= write ? O_WRONLY | O_CREAT : O_RDONLY; /* truncated below, once checked */
    int fd = openat(dir, leaf, flags, 0600);
    int err = errno;
    done_dir(f, dir);
    if (fd < 0)
        return err == ENOENT ? (write ? FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND : FS_MGMT_ERR_FILE_NOT_FOUND)
             : err == EISDIR ? FS_MGMT_ERR_FILE_IS_DIRECTORY
             : err == ELOOP ? FS_MGMT_ERR_FILE_INVALID_NAME
                            : FS_MGMT_ERR_FILE_OPEN_FAILED;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        /* a hard link to a file outside the directory would pass openat's
         * checks: a regular file here has exactly one name */
        int isdir = S_ISDIR(st.st_mode);
        close(fd);
        return isdir ? FS_MGMT_ERR_FILE_IS_DIRECTORY : FS_MGMT_ERR_FILE_INVALID_NAME;
    }
    if (write && truncate && ftruncate(fd, 0) != 0) {
        close(fd);
        return FS_MGMT_ERR_FILE_TRUNCATE_FAILED;
    }
    f->fd = fd;
    return 0;
}

static int fs_read(void *arg, uint64_t off, void *buf, size_t len, size_t *got)
{
    sim_fs_t *f = arg;
    if (f->fd < 0 || off > (uint64_t)INT64_MAX)
        return FS_MGMT_ERR_FILE_READ_FAILED;
    ssize_t r = pread(f->fd, buf, len, (off_t)off);
    if (r < 0)
        return FS_MGMT_ERR_FILE_READ_FAILED;
    *got = (size_t)r;
    return 0;
}

static int fs_write(void *arg, uint64_t off, const void *buf, size_t len)
{
    sim_fs_t *f = arg;
    if (f->fd < 0 || off > (uint64_t)INT64_MAX - len)
        return FS_MGMT_ERR_FILE_WRITE_FAILED;
    const uint8_t *p = buf;
    while (len) {
        ssize_t w = pwrite(f->fd, p, len, (off_t)off);
        if (w <= 0)
            return FS_MGMT_ERR_FILE_WRITE_FAILED;
        p += w;
        off += (uint64_t)w;
        len -= (size_t)w;
    }
    return 0;
}

int sim_fs_open(sim_fs_t *f, const char *dir, uint64_t max_file)
{
    memset(f, 0, sizeof *f);
    f->root = f->fd = -1;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    f->root = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (f->root < 0)
        return -1;
    f->port = (extxip_fs_mgmt_port_t){
        .arg = f, .stat = fs_stat, .open = fs_open, .read = fs_read, .write = fs_write,
        .close = fs_close, .max_file = max_file,
    };
    return 0;
}

void sim_fs_close(sim_fs_t *f)
{
    fs_close(f);
    if (f->root >= 0)
        close(f->root);
    f->root = -1;
}
