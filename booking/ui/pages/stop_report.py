"""nav.stop_report: placeholder until its feature lands."""

from booking.ui.common import placeholder

placeholder("nav.stop_report")
