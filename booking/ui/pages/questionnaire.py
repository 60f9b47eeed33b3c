"""nav.questionnaire: placeholder until its feature lands."""

from booking.ui.common import placeholder, require_role
from booking.ui.nav import TUBA

require_role(*TUBA)
placeholder("nav.questionnaire")
