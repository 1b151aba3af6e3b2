import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# Django, the apps and their modules, loaded by now, live as long as the process:
# frozen, the garbage collector's full passes skip them (at 100,000 services a pass
# over them paused a search for 140 ms).
gc.freeze()
