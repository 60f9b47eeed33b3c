"""nav.exhibitions: placeholder until its feature lands."""

from booking.ui.common import placeholder

placeholder("nav.exhibitions")
