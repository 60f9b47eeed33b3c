"""nav.requests: placeholder until its feature lands."""

from booking.ui.common import placeholder, require_role
from booking.ui.nav import STAFF

require_role(*STAFF)
placeholder("nav.requests")
