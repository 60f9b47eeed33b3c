"""nav.request_form: placeholder until its feature lands."""

from booking.ui.common import placeholder

placeholder("nav.request_form")
