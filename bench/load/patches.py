"""What a process needs before it imports locust: gevent's monkey-patching first, then the urllib3 name locust imports.

Imported for its effects, first, by the locust process only (`python -m bench.load` itself never patches anything).
"""
from gevent import monkey

monkey.patch_all()

import urllib3.util  # noqa: E402  (after the patching, which must come before anything imports ssl or socket)
from urllib3.util import ssl_  # noqa: E402

# dash[testing] allows selenium 4.2 at most, which holds urllib3 at 1.26; there this function lives only in
# urllib3.util.ssl_, while locust 2.47 imports it from urllib3.util (where urllib3 2 has it too).
if not hasattr(urllib3.util, "create_urllib3_context"):
    urllib3.util.create_urllib3_context = ssl_.create_urllib3_context
