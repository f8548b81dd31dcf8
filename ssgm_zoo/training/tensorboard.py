"""A TensorBoard event-file writer that needs neither TensorFlow nor extra packages.

The GPU machine runs Keras on JAX without TensorFlow, so ``tf.summary`` is not
always there. TensorBoard reads scalars from TFRecord files of ``Event``
protocol buffers; the few fields we write are encoded here by hand:

  Event   { double wall_time = 1; int64 step = 2; string file_version = 3;
            Summary summary = 5; }
  Summary { repeated Value value = 1; }
  Value   { string tag = 1; float simple_value = 2; }

A TFRecord is ``uint64 length, uint32 masked_crc32c(length), data,
uint32 masked_crc32c(data)``, all little-endian.
"""

import os
import socket
import struct
import time

__all__ = ["EventWriter", "masked_crc32c"]


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli), the checksum TFRecord uses."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """The rotated-and-offset CRC that TFRecord stores (see tensorflow/core/lib/hash/crc32c.h)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value):
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _field(number, wire_type, payload):
    key = _varint((number << 3) | wire_type)
    if wire_type == 2:  # length-delimited
        return key + _varint(len(payload)) + payload
    return key + payload


def _event(wall_time, step, *, file_version=None, scalars=None):
    body = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step))
    if file_version is not None:
        body += _field(3, 2, file_version.encode())
    if scalars:
        values = b"".join(
            _field(1, 2, _field(1, 2, tag.encode()) + _field(2, 5, struct.pack("<f", value)))
            for tag, value in scalars.items()
        )
        body += _field(5, 2, values)
    return body


class EventWriter:
    """Appends scalar summaries to a TensorBoard event file in ``logdir``.

    Args:
        logdir: folder for the ``events.out.tfevents.*`` file (created if needed).

    Example:
    >>> import tempfile
    >>> with EventWriter(tempfile.mkdtemp()) as writer:
    ...     writer.scalars(1, {"train/loss": 0.5})
    """

    def __init__(self, logdir):
        os.makedirs(logdir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "ab")
        self._write(_event(time.time(), 0, file_version="brain.Event:2"))

    def _write(self, record):
        header = struct.pack("<Q", len(record))
        self._file.write(header + struct.pack("<I", masked_crc32c(header)))
        self._file.write(record + struct.pack("<I", masked_crc32c(record)))

    def scalars(self, step, values):
        """Writes ``{tag: float}`` at ``step`` and flushes."""
        values = {tag: float(value) for tag, value in values.items()}
        self._write(_event(time.time(), int(step), scalars=values))
        self._file.flush()

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
