"""Sign-in and user administration forms."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from navigator.auth.models import Role
from navigator.forms import CleanText


class LoginForm(FlaskForm):
    email = StringField("Email address", validators=[DataRequired("Enter your email address"),
                                                     Length(max=254), CleanText()])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"),
                                                     Length(max=256)])


class UserForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter the person's name"),
                                                Length(max=200), CleanText()])
    email = StringField("Email address", validators=[
        DataRequired("Enter an email address"), Length(max=254),
        Email("Enter an email address in the correct format, like name@example.org"), CleanText()])
    role = SelectField("Role", choices=[(r.value, r.label) for r in Role],
                       validators=[DataRequired("Select a role")])
    organization_id = SelectField("Organisation (providers only)", choices=[], validate_choice=False)
    password = PasswordField("Password", validators=[
        DataRequired("Enter a password"),
        Length(min=8, max=256, message="Password must be 8 characters or more")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password"), Length(max=256)])
    new_password = PasswordField("New password", validators=[
        DataRequired("Enter a new password"), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Enter the code"), Length(max=20), CleanText()])
